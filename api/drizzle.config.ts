import { defineConfig } from 'drizzle-kit';

// Only used by `npm run db:generate` to write versioned SQL migrations from schema.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './api/src/storage/schema.ts',
  out: './api/src/storage/migrations',
});
