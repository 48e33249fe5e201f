import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Upstreams an operator took off sale (/providers). A row means "off sale":
 * the catalog shows the provider unavailable and no new quote or order is
 * taken for it, while orders already running finish. Putting it back on sale
 * deletes the row; the audit of who did it lives in the log and the reply.
 */
export const providersOffSale = sqliteTable('providers_off_sale', {
  providerId: text('provider_id').primaryKey(),
  /** 'admin:<telegram id>'. */
  actor: text('actor').notNull(),
  since: integer('since').notNull(),
});
