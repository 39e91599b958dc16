// Public face of the config module.
export { configSchema, sections, type Config, type SectionName } from "./schema";
export { defaultConfigPath, defaultDataDir } from "./paths";
export { loadConfig, parseConfig, filesOf, type LoadedConfig } from "./load";
export { renderConfig } from "./template";
