// How apps reach devices: the env a container gets (broker URL, its own user name and password), and the device
// patterns its spec allows (EDGE_MQTT_DEVICES in the spec's env, written there by the app.toml `devices` list, so
// the AppRegistry contract needs no new field).
import type { DesiredReplica } from "../apps/types";
import type { Config } from "../config";
import { APP_USER_PREFIX, appPassword } from "./credentials";

export const DEVICES_ENV = "EDGE_MQTT_DEVICES";

export function mqttContainerEnv(mqtt: Config["mqtt"], nodePrivateKey: string, app: string): Record<string, string> {
  if (!mqtt.enabled || mqtt.mode !== "embedded" || !mqtt.container_url) return {};
  return { EDGE_MQTT_URL: mqtt.container_url, EDGE_MQTT_USERNAME: `${APP_USER_PREFIX}${app}`, EDGE_MQTT_PASSWORD: appPassword(nodePrivateKey, app) };
}

/** The device patterns of an app with a replica on this node; null when none runs here (its login is refused). */
export function appDevicePatterns(desired: DesiredReplica[], app: string): string[] | null {
  const replica = desired.find((d) => d.app === app);
  if (!replica) return null;
  return (replica.spec.env[DEVICES_ENV] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}
