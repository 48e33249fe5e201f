import { afterEach } from 'vitest';
import { buildServices } from '../../src/app.js';
import { openDatabase, type Database_ } from '../../src/db/client.js';

/** A fresh in-memory database with the real migrations, closed after the test. */
export function freshDatabase(): Database_ {
  const database = openDatabase(':memory:');
  afterEach(() => database.close());
  return database;
}

/** Services over a fresh database, plus a helper to create customers. */
export function freshServices() {
  const database = openDatabase(':memory:');
  const services = buildServices(database);
  let nextTelegramId = 1000;
  const newUser = (name = 'Customer') => services.users.ensure({ telegramId: nextTelegramId++, firstName: name });
  return { database, ...services, newUser, close: () => database.close() };
}
