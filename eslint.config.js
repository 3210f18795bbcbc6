import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  // bench/evals: a verbatim copy of a third-party eval file, kept as it is.
  { ignores: ["dist/", "node_modules/", "bench/evals/"] },
  {
    files: ["**/*.ts", "**/*.tsx"],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // web/vite.config.ts is Vite's, read by Vite alone: no tsconfig of ours includes it.
      parserOptions: {
        projectService: { allowDefaultProject: ["web/vite.config.ts"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `any` comes in from JSON.parse, the SDKs and createRequire, and is checked where it enters (zod);
      // re-typing every later read as unknown would be hundreds of casts with no behaviour behind them.
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // Written where the SDK's shapes take anything (a task's input, its hooks' parameters) and where tests read
      // JSON they then assert on; with the no-unsafe rules off, banning the word alone would change nothing.
      "@typescript-eslint/no-explicit-any": "off",
      // Fastify plugins and handlers, and the recorder's interfaces, are async by contract, awaiting or not.
      "@typescript-eslint/require-await": "off",
      // Every hit was a deliberate String() of a value narrowed from unknown (an SQLite cell, a JSON id).
      "@typescript-eslint/no-base-to-string": "off",
      // tsc reports them (noUnusedLocals, noUnusedParameters), with the same `_` and rest-sibling exceptions.
      "@typescript-eslint/no-unused-vars": "off",
      // An abort's reason is whatever the caller aborted with; it is passed on as it is.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingAny: true }],
    },
  },
  { files: ["**/*.js"], extends: [js.configs.recommended], languageOptions: { globals: globals.node } },
  // The sandbox's supervisor: plain CommonJS run with `node -e`, linted as such.
  {
    files: ["**/*.cjs"],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
  },
);
