import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBackgroundCheckpoints } from '../../src/db/background-checkpoints.js';
import { BUSY_TIMEOUT_MS, openDatabase, WAL_AUTOCHECKPOINT_PAGES } from '../../src/db/client.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('WAL checkpoints on a worker thread', () => {
  it('keeps commits on the main connection free of checkpoints, copies the log back from the worker, and hands back on stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'checkpoints-'));
    dirs.push(dir);
    const path = join(dir, 'shop.db');
    const database = openDatabase(path);
    const checkpoints = startBackgroundCheckpoints(database.sqlite, {
      path,
      autocheckpointPages: WAL_AUTOCHECKPOINT_PAGES,
      busyTimeoutMs: BUSY_TIMEOUT_MS,
      intervalMs: 60_000,
    });
    expect(database.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);

    database.sqlite.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, data BLOB)');
    const insert = database.sqlite.prepare('INSERT INTO filler (data) VALUES (randomblob(4000))');
    // Far past the autocheckpoint threshold: without the worker nothing copies the log back.
    for (let i = 0; i < 600; i++) insert.run();
    const walBytes = statSync(`${path}-wal`).size;
    expect(walBytes).toBeGreaterThan(WAL_AUTOCHECKPOINT_PAGES * 4096);

    const done = await checkpoints.checkpointNow();
    expect(done.walPages).toBeGreaterThan(WAL_AUTOCHECKPOINT_PAGES);
    expect(done.copiedPages).toBe(done.walPages);
    // The next write starts the log over instead of growing it.
    insert.run();
    expect(statSync(`${path}-wal`).size).toBe(walBytes);
    expect(database.sqlite.prepare('SELECT count(*) AS n FROM filler').get()).toEqual({ n: 601 });

    await checkpoints.stop();
    expect(database.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_AUTOCHECKPOINT_PAGES);
    database.close();
    const reopened = openDatabase(path);
    expect(reopened.sqlite.prepare('SELECT count(*) AS n FROM filler').get()).toEqual({ n: 601 });
    reopened.close();
  });
});
