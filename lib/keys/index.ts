// Public face of the keys module.
export { generatePasswordFile, readPassword, saveKeystore, keystoreAddress, unlockKeystore } from "./keystore";
export { operatorKeyFiles, unlockOperatorKey, HOW_TO_GET_AN_OPERATOR_KEY, type OperatorKeyFlags } from "./operator";
