// The virtual shell's sqlite3: the sqlite3 shell's arguments, modes and dot-commands, over the query runner.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { splitScript } from "../../../src/sandbox/virtualShell/sqliteScript.js";
import type { Sandbox, SandboxFactory } from "../../../src/sandbox/types.js";
import { factoryFor, makeGoldDb, tempDir } from "../fixtures.js";

describe("splitting a sqlite3 script", () => {
  it("ends statements at semicolons outside strings, names and comments", () => {
    expect(splitScript("SELECT 'a;b'; SELECT \"x;y\" FROM [t;u] -- c;d\n; SELECT 3 /* e;f */")).toEqual([
      { sql: "SELECT 'a;b';" },
      { sql: 'SELECT "x;y" FROM [t;u] -- c;d\n;' },
      { sql: "SELECT 3 /* e;f */" },
    ]);
  });

  it("takes lines starting with a dot, outside a statement, as dot-commands", () => {
    expect(splitScript(".headers on\nSELECT 1,\n.5;\n  .tables\n-- only a comment;\n")).toEqual([
      { dot: ".headers on" },
      { sql: "SELECT 1,\n.5;" },
      { dot: ".tables" },
    ]);
  });
});

describe("sqlite3 in the virtual shell", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let factory: SandboxFactory;
  let sandbox: Sandbox;
  const sqlite = async (args: string) => sandbox.exec(`sqlite3 ${args}`);

  beforeAll(async () => {
    dir = await tempDir("sema4-vsqlite-");
    makeGoldDb(dir.path);
    factory = await factoryFor("virtual");
    sandbox = await factory.create({ dbPath: `${dir.path}/gold.db` });
  });
  afterAll(async () => {
    await sandbox?.close();
    await factory?.close();
    await dir?.remove();
  });

  it("prints rows like the sqlite3 shell, in its output modes", async () => {
    const db = sandbox.dbPath;
    expect((await sqlite(`${db} "SELECT id, name, score FROM t ORDER BY id"`)).stdout).toBe("1|alice|1.5\n2|bob|2.5\n3|carol|\n");
    expect((await sqlite(`-header -csv ${db} "SELECT name, 'a,b' AS tag FROM t WHERE id = 1"`)).stdout).toBe('name,tag\nalice,"a,b"\n');
    expect((await sqlite(`-json ${db} "SELECT id, score FROM t WHERE id > 1"`)).stdout).toBe('[{"id":2,"score":2.5},\n{"id":3,"score":null}]\n');
    expect((await sqlite(`-line ${db} "SELECT id, name FROM t WHERE id = 2"`)).stdout).toBe("  id = 2\nname = bob\n");
    expect((await sqlite(`-column ${db} "SELECT id, name FROM t WHERE id < 3"`)).stdout).toBe("id  name\n--  -----\n1   alice\n2   bob\n");
  });

  it("reads SQL and dot-commands from stdin and answers .tables and .schema", async () => {
    const r = await sandbox.exec(`printf '.tables\\n.schema t\\nSELECT count(*)\\nFROM t;\\n' | sqlite3 ${sandbox.dbPath}`);
    expect(r.stdout).toBe(
      "t\nCREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL);\nCREATE INDEX t_name ON t(name);\n3\n",
    );
    expect(r.exitCode).toBe(0);
  });

  it("opens a copy in the workspace, by a relative path", async () => {
    await sandbox.exec(`cp ${sandbox.dbPath} copy.db`);
    expect((await sandbox.exec("sqlite3 copy.db 'SELECT max(id) FROM t'")).stdout).toBe("3\n");
  });

  it("fails like the sqlite3 shell: message on stderr, exit 1, output so far kept", async () => {
    const r = await sqlite(`${sandbox.dbPath} "SELECT 1; SELECT nope FROM t; SELECT 2"`);
    expect(r).toMatchObject({ stdout: "1\n", exitCode: 1 });
    expect(r.stderr).toContain("nope");
    expect((await sqlite(`${sandbox.dbPath} "PRAGMA table_info(t)"`)).stderr).toContain("read-only");
    expect((await sqlite(`${sandbox.dbPath} .dump`)).stderr).toContain(".dump is not available");
    expect((await sqlite(`/etc/passwd "SELECT 1"`)).stderr).toContain("unable to open");
    const bare = await sandbox.exec("sqlite3");
    expect(bare.exitCode).toBe(1);
    expect(bare.stderr).toContain(sandbox.dbPath);
  });
});
