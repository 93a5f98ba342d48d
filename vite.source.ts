// Inside this repository the packages import each other's TypeScript sources: their package.json
// `exports` name them under the "@betavae/source" condition, beside the built dist/ an install
// resolves. Vite and Vitest configs spread this in so tests and the web demo need no prior build.
import { type UserConfig, defaultClientConditions, defaultServerConditions } from "vite";

export const SOURCE_CONDITION = "@betavae/source";

export const resolveSources = {
  resolve: { conditions: [SOURCE_CONDITION, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, ...defaultServerConditions] } },
} satisfies UserConfig;
