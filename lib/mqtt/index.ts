// Public face of the MQTT device proxy.
export { MqttProxy, mqttDbPath } from "./proxy";
export { mqttContainerEnv, appDevicePatterns, DEVICES_ENV } from "./apps";
export { directoryOf, addDevice, removeDevice, setDesired, listDevices, localTwins, proofFor, verifyMessage, checkDeviceDraft, type DeviceView, type AddedDevice, type Verdict } from "./ops";
export { topics } from "./acl";
