import "reflect-metadata";

export * from "./api/connection.js";
export * from "./api/errors.js";
export { type RunningServer, startServer } from "./app/server.js";
export { type ServerConfig, loadConfig, ConfigError } from "./config.js";
export { Database, type DatabaseTarget } from "./db/database.js";
