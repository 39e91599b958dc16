// Public face of the geth module: the Clique genesis, one geth node's datadir and command line, its IPC API, the supervisor.
export * from "./genesis";
export * from "./node";
export * from "./ipc";
export * from "./supervisor";
export * from "./full-node";
export * from "./daemon";
