// The supervisor: a small Node program that lives as long as a run, inside that run's outer sandbox, and does
// everything the run asks of it one request at a time: a command, or a file operation on the workspace. It
// reads one JSON request per line on stdin and writes one JSON reply per line on stdout.
//
// Nothing a command starts can reach it. In bubblewrap mode each command runs in a sandbox of its own nested
// inside the run's (a new user and PID namespace): the supervisor is not in the command's PID namespace (it
// cannot be named, so it cannot be signalled or traced), and it belongs to the parent user namespace, where a
// command has no capability (the kernel refuses ptrace and /proc/<pid>/mem across it). When a command's own
// PID 1 exits, the kernel kills every process left in its namespace, and the supervisor answers only once that
// PID 1 has been reaped: no process of a command is alive while a reply is written or a file is touched.
//
// Plain CommonJS, not TypeScript: it runs with `node -e` inside a sandbox that contains no project files, and
// the virtual shell's process loads the same file operations with require().
"use strict";

/**
 * The path of `rel` (normalized, relative to `root`) once every existing component is known to be a real
 * directory and not a link; with makeParents, missing directories on the way are made. The last component may
 * be missing; if it exists it must not be a link.
 */
function resolveNoLinks(fs, root, rel, makeParents) {
  const fail = (code, message) => Object.assign(new Error(message), { code });
  const parts = rel === "." || rel === "" ? [] : rel.split("/");
  let at = root;
  for (let i = 0; i < parts.length; i++) {
    at = `${at}/${parts[i]}`;
    const last = i === parts.length - 1;
    let info;
    try {
      info = fs.lstatSync(at);
    } catch (e) {
      if (e.code !== "ENOENT" || last) {
        if (last && e.code === "ENOENT") return at;
        throw e;
      }
      if (!makeParents) throw e;
      fs.mkdirSync(at, { mode: 0o755 });
      info = fs.lstatSync(at);
    }
    if (info.isSymbolicLink()) throw fail("ELOOP", "symbolic link");
    if (!last && !info.isDirectory()) throw fail("ENOTDIR", "not a directory");
  }
  return at;
}

/**
 * The workspace's file operations. `rel` is a normalized path relative to the workspace (the host checks it
 * stays inside). No symbolic link is followed: every existing component is checked with lstat and the last
 * one is opened with O_NOFOLLOW; O_NONBLOCK keeps a FIFO from blocking the open. This is sound because nothing
 * else runs in the workspace while an operation runs (see above); the flags are a second line.
 */
function fileOps(fs, root, limits) {
  const C = fs.constants;
  const fail = (code, message) => Object.assign(new Error(message), { code });

  const walk = (rel, makeParents) => resolveNoLinks(fs, root, rel, makeParents);

  function read(rel) {
    const fd = fs.openSync(walk(rel, false), C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
    try {
      const info = fs.fstatSync(fd);
      if (info.isDirectory()) throw fail("EISDIR", "is a directory");
      if (!info.isFile()) throw fail("ENOTREG", "not a regular file");
      if (info.size > limits.maxReadBytes) throw fail("EFBIG", String(info.size));
      const chunks = [];
      let total = 0;
      const buffer = Buffer.allocUnsafe(64 * 1024);
      for (let n; (n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0; ) {
        total += n;
        if (total > limits.maxReadBytes) throw fail("EFBIG", String(total));
        chunks.push(Buffer.from(buffer.subarray(0, n)));
      }
      return Buffer.concat(chunks).toString("utf8");
    } finally {
      fs.closeSync(fd);
    }
  }

  function write(rel, content) {
    const bytes = Buffer.from(content, "utf8");
    if (bytes.length > limits.maxWriteBytes) throw fail("EFBIG", String(bytes.length));
    const path = walk(rel, true);
    let fd;
    try {
      fd = fs.openSync(path, C.O_WRONLY | C.O_CREAT | C.O_NOFOLLOW | C.O_NONBLOCK, 0o644);
    } catch (e) {
      // A FIFO nobody reads (opened without blocking), a socket, a device: none is a file to write.
      throw e.code === "ENXIO" || e.code === "EOPNOTSUPP" ? fail("ENOTREG", "not a regular file") : e;
    }
    try {
      const info = fs.fstatSync(fd);
      if (info.isDirectory()) throw fail("EISDIR", "is a directory");
      if (!info.isFile()) throw fail("ENOTREG", "not a regular file");
      if (limits.reserve) limits.reserve(bytes.length - info.size);
      fs.ftruncateSync(fd, 0);
      for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off, off);
    } finally {
      fs.closeSync(fd);
    }
  }

  function list(rel) {
    const path = walk(rel, false);
    const info = fs.lstatSync(path);
    if (info.isSymbolicLink()) throw fail("ELOOP", "symbolic link");
    if (!info.isDirectory()) throw fail("ENOTDIR", "not a directory");
    const names = fs.readdirSync(path).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const listed = [];
    for (const name of names.slice(0, limits.maxListEntries)) {
      let entry;
      try {
        entry = fs.lstatSync(`${path}/${name}`);
      } catch {
        continue;
      }
      const type = entry.isFile() ? "file" : entry.isDirectory() ? "dir" : "other";
      listed.push({ name, type, size: entry.size });
    }
    return listed;
  }

  /** One request's reply: `{ok, value}` or `{ok: false, code, message}`. */
  return function run(request) {
    try {
      if (request.op === "read") return { ok: true, value: read(request.path) };
      if (request.op === "write") return { ok: true, value: write(request.path, request.content) ?? null };
      if (request.op === "list") return { ok: true, value: list(request.path) };
      return { ok: false, code: "EINVAL", message: `unknown operation ${request.op}` };
    } catch (e) {
      return { ok: false, code: e.code || "EIO", message: e.message };
    }
  };
}

function supervise(config) {
  const { spawn } = require("node:child_process");
  const fs = require("node:fs");
  const { constants } = require("node:os");
  const files = fileOps(fs, config.workdir, config.files);
  const waiting = [];
  let current = null;
  let input = "";

  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => {
    input += chunk;
    for (let i = input.indexOf("\n"); i >= 0; i = input.indexOf("\n")) {
      const line = input.slice(0, i);
      input = input.slice(i + 1);
      if (line.trim() !== "") waiting.push(line);
    }
    next();
  });
  const quit = (code) => {
    if (current) current.kill();
    process.exit(code);
  };
  process.stdin.on("end", () => quit(0));
  process.on("SIGTERM", () => quit(143));

  const reply = (message) => process.stdout.write(`${JSON.stringify(message)}\n`, () => next());

  function next() {
    if (current || waiting.length === 0) return;
    let request;
    try {
      request = JSON.parse(waiting.shift());
    } catch {
      return next();
    }
    if (request.op === "exec") run(request);
    else reply({ id: request.id, file: files(request) });
  }

  function prelude(timeoutMs) {
    const l = config.limits;
    const cpuSeconds = Math.ceil(timeoutMs / 1000) + 1;
    let limits = `-c 0 -t ${cpuSeconds} -v ${l.addressSpaceKb} -f ${l.fileBlocks} -n ${l.openFiles}`;
    if (l.processes) limits += ` -u ${l.processes}`;
    return `ulimit ${limits} || exit 126\n__c=$1; shift; eval "unset __c; $__c"`;
  }

  /**
   * Starts one command. Nested: under its own bubblewrap, whose --info-fd tells the PID of the command's PID 1
   * (killing it tears the namespace down). Direct (unsafe-host): bash in a process group of its own.
   */
  function startCommand(request) {
    const bash = ["/bin/bash", "-c", prelude(request.timeoutMs), "bash", request.command];
    const options = { cwd: config.workdir, env: config.env };
    if (config.runner.kind === "direct") {
      const child = spawn(bash[0], bash.slice(1), { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      const kill = () => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // Already gone: nothing left to kill.
        }
      };
      return { child, kill };
    }
    // Files made from data (an unlinked file bound in the run's sandbox cannot be bound again): fds 4, 5, …
    const data = config.runner.data.flatMap((file, i) => ["--perms", "0644", "--ro-bind-data", String(4 + i), file.path]);
    const child = spawn(config.runner.bwrap, [...data, ...config.runner.args, "--info-fd", "3", "--", ...bash], {
      ...options,
      stdio: ["ignore", "pipe", "pipe", "pipe", ...config.runner.data.map(() => "pipe")],
    });
    config.runner.data.forEach((file, i) => {
      child.stdio[4 + i].on("error", () => {});
      child.stdio[4 + i].end(file.content);
    });
    let pid1 = null;
    let killed = false;
    let info = "";
    const killPid1 = () => {
      try {
        process.kill(pid1, "SIGKILL");
      } catch {
        // Already gone: nothing left to kill.
      }
    };
    child.stdio[3].setEncoding("utf8");
    child.stdio[3].on("data", (chunk) => {
      info += chunk;
      const match = /"child-pid":\s*(\d+)/.exec(info);
      if (match && pid1 === null) {
        pid1 = Number(match[1]);
        if (killed) killPid1();
      }
    });
    child.stdio[3].on("error", () => {});
    const kill = () => {
      killed = true;
      // Before bubblewrap has said who PID 1 is, the command has not started: bubblewrap itself may go (its
      // PID 1 dies with it, --die-with-parent).
      if (pid1 === null) child.kill("SIGKILL");
      else killPid1();
    };
    return { child, kill };
  }

  function run(request) {
    const started = startCommand(request);
    const { child } = started;
    current = started;
    const streams = { stdout: [], stderr: [] };
    const sizes = { stdout: 0, stderr: 0 };
    let truncated = false;
    let timedOut = false;
    let grace = null;
    const collect = (name) => (chunk) => {
      const room = request.maxOutputBytes - sizes[name];
      if (chunk.length > room) {
        if (room > 0) streams[name].push(chunk.subarray(0, room));
        sizes[name] = request.maxOutputBytes;
        truncated = true;
        started.kill();
      } else {
        streams[name].push(chunk);
        sizes[name] += chunk.length;
      }
    };
    child.stdout.on("data", collect("stdout"));
    child.stderr.on("data", collect("stderr"));
    const deadline = setTimeout(() => {
      timedOut = true;
      started.kill();
    }, request.timeoutMs);
    let answered = false;
    const answer = (exitCode, extraStderr) => {
      if (answered) return;
      answered = true;
      clearTimeout(deadline);
      clearTimeout(grace);
      current = null;
      reply({
        id: request.id,
        result: {
          stdout: Buffer.concat(streams.stdout).toString("utf8"),
          stderr: Buffer.concat(streams.stderr).toString("utf8") + extraStderr,
          exitCode,
          truncated,
          timedOut,
        },
      });
    };
    child.on("error", (error) => answer(127, `sandbox: ${error.message}\n`));
    child.on("exit", () => {
      // Nested: bubblewrap exits once its PID 1 is reaped, i.e. once the command's namespace is empty.
      // Direct: whatever is left of the command's group goes now.
      if (config.runner.kind === "direct") started.kill();
      // A process outside the namespace cannot hold the pipes; a direct command's escapee can: stop waiting.
      grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 300);
    });
    child.on("close", (code, signal) => answer(code ?? 128 + (constants.signals[signal] ?? 0), ""));
  }
}

module.exports = { fileOps, resolveNoLinks };
// `node -e` evaluates this file with the run's configuration as its last argument; require() only takes fileOps.
if (module.id === "[eval]") supervise(JSON.parse(process.argv[process.argv.length - 1]));
