import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The type tests (test/*.test-d.ts) are compiled by `npm run typecheck` (tsc over src and test), which
    // fails on any misplaced `// @ts-expect-error` or `expectTypeOf` mismatch; `npx vitest --typecheck`
    // runs the same checks through vitest, at twice the cost.
    typecheck: { include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});
