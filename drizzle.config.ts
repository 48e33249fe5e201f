import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations from the schema into ./migrations;
// they are committed and applied by the app at start-up.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema/index.ts',
  out: './migrations',
});
