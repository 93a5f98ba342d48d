export * from "./backend/index";
export * from "./fixtures";
