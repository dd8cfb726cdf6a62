// Typed documents from the server's schema.graphql: every `graphql(...)` call in web/ gets its result and
// variables types in lib/gql (generated; run `npm run codegen -w @tunelab/web` after the schema changes).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["app/**/*.tsx", "ui/**/*.tsx", "lib/**/*.ts", "!lib/gql/**"],
  ignoreNoDocuments: true,
  generates: {
    "lib/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: "string",
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTimeISO: "string", JSON: "unknown", JSONObject: "Record<string, unknown>" },
      },
    },
  },
};

export default config;
