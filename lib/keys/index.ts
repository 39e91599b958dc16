// Public face of the keys module.
export { generatePasswordFile, readPassword, saveKeystore, keystoreAddress, unlockKeystore } from "./keystore";
