// The Node.js runtime that runs INSIDE an execution environment (Node's standard library only).
//
// Started as `node /var/runtime/index.mjs`. Like Lambda's own Node.js runtime it speaks the
// Runtime API at AWS_LAMBDA_RUNTIME_API: INIT loads the handler named by _HANDLER (an ES module
// or CommonJS, .mjs/.cjs/.js as Node decides), a failure goes to /runtime/init/error; then it
// loops on /invocation/next and posts /response or /error. Handlers may be async (or return a
// promise) or take a callback. console.* writes Lambda's log lines (timestamp, request id,
// level) as frames on the telemetry pipe, so a multi-line message stays one record.

import { createRequire } from "node:module";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import util from "node:util";

const API = process.env.AWS_LAMBDA_RUNTIME_API;
const [API_HOST, API_PORT] = API.split(":");
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT || "/var/task";
const HANDLER = process.env._HANDLER || "";
const JSON_LOGS = (process.env.AWS_LAMBDA_LOG_FORMAT || "").toUpperCase() === "JSON";
const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const MIN_LEVEL = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL || "").toUpperCase()] || 0;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

let telemetryFd = null;
if (process.env._LAMBDA_TELEMETRY_LOG_FD) {
  telemetryFd = Number(process.env._LAMBDA_TELEMETRY_LOG_FD);
  delete process.env._LAMBDA_TELEMETRY_LOG_FD;
}

let currentRequestId;

// -- logging ---------------------------------------------------------------------------------
// As Lambda's Node.js runtime writes them: one frame per record on the telemetry pipe (type
// 0xa55a0003 for text, 0xa55a0002 for JSON, or'ed with the level's mask), else stdout with the
// record's newlines turned into carriage returns.

const LEVEL_MASKS = { TRACE: 4, DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, FATAL: 24 };

function writeRecord(level, text) {
  if (telemetryFd === null) {
    process.stdout.write(text.replace(/\n/g, "\r") + "\n");
    return;
  }
  const message = Buffer.from(JSON_LOGS ? text : text + "\n", "utf8");
  const header = Buffer.alloc(16);
  header.writeUInt32BE(((JSON_LOGS ? 0xa55a0002 : 0xa55a0003) | LEVEL_MASKS[level]) >>> 0, 0);
  header.writeInt32BE(message.length, 4);
  header.writeBigInt64BE(BigInt(Date.now()) * 1000n, 8);
  fs.writeSync(telemetryFd, Buffer.concat([header, message]));
}

function jsonErrorReplacer(_key, value) {
  if (value instanceof Error) {
    return {
      errorType: value?.constructor?.name ?? "UnknownError",
      errorMessage: value.message,
      stackTrace: typeof value.stack === "string" ? value.stack.split("\n") : value.stack,
      ...value,
    };
  }
  return value;
}

function jsonRecord(level, params) {
  const record = { timestamp: new Date().toISOString(), level, requestId: currentRequestId };
  if (params.length === 1) {
    record.message = params[0];
    try {
      return JSON.stringify(record, jsonErrorReplacer);
    } catch {
      record.message = util.format(record.message);
      return JSON.stringify(record);
    }
  }
  record.message = util.format(...params);
  const error = params.find((param) => param instanceof Error);
  if (error) {
    record.errorType = error?.constructor?.name ?? "UnknownError";
    record.errorMessage = error.message;
    record.stackTrace = typeof error.stack === "string" ? error.stack.split("\n") : [];
  }
  return JSON.stringify(record);
}

function logRecord(level, ...params) {
  if (LEVELS[level] < MIN_LEVEL) return;
  if (JSON_LOGS) {
    writeRecord(level, jsonRecord(level, params));
  } else {
    const time = new Date().toISOString();
    writeRecord(level, `${time}\t${currentRequestId}\t${level}\t${util.format(...params)}`);
  }
}

function patchConsole() {
  const levels = {
    trace: "TRACE",
    debug: "DEBUG",
    info: "INFO",
    log: "INFO",
    warn: "WARN",
    error: "ERROR",
    fatal: "FATAL",
  };
  for (const [name, level] of Object.entries(levels)) {
    console[name] = (...args) => logRecord(level, ...args);
  }
}

// -- errors ----------------------------------------------------------------------------------

function isError(value) {
  return (
    util.types.isNativeError(value) ||
    Boolean(
      value &&
        typeof value.name === "string" &&
        typeof value.message === "string" &&
        typeof value.stack === "string" &&
        value.name &&
        value.message &&
        value.stack,
    )
  );
}

function errorResponse(error) {
  try {
    if (isError(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: String(error.stack).split("\n"),
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: "handled",
      errorMessage:
        "callback called with Error argument, but there was a problem while retrieving one " +
        "or more of its message, name, and stack",
    };
  }
}

class RuntimeError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

function errorDetail(error) {
  const detail = { errorType: error.name, errorMessage: error.message, code: error.code, ...error };
  if (typeof error.stack === "string") detail.stack = error.stack.split("\n");
  return detail;
}

// The log line of an error the runtime reports: "Invoke Error \t{...}" in text, the error itself
// as the message in JSON.
function logError(label, thrown) {
  const error = thrown instanceof Error ? thrown : new Error(thrown);
  if (JSON_LOGS) {
    logRecord("ERROR", error);
    return;
  }
  let formatted;
  try {
    formatted = "\t" + JSON.stringify(errorDetail(error));
  } catch {
    formatted = "\t" + JSON.stringify(errorResponse(error));
  }
  logRecord("ERROR", label, formatted);
}

// -- the Runtime API -------------------------------------------------------------------------

function call(method, apiPath, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const request = http.request(
      {
        host: API_HOST,
        port: Number(API_PORT),
        path: `/2018-06-01/runtime/${apiPath}`,
        method,
        agent,
        headers: data ? { ...headers, "Content-Length": data.length } : headers,
      },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(data);
  });
}

function postError(apiPath, response) {
  const headers = {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": response.errorType,
  };
  return call("POST", apiPath, JSON.stringify(response), headers);
}

// -- INIT ------------------------------------------------------------------------------------

async function loadModule(base) {
  for (const suffix of [".js", ".mjs", ".cjs"]) {
    const file = path.resolve(TASK_ROOT, base + suffix);
    if (!fs.existsSync(file)) continue;
    if (suffix === ".mjs") return import(pathToFileURL(file).href);
    if (suffix === ".cjs") return createRequire(file)(file);
    try {
      return createRequire(file)(file);
    } catch (error) {
      if (error && error.code === "ERR_REQUIRE_ESM") return import(pathToFileURL(file).href);
      throw error;
    }
  }
  // Neither file: a package name (node_modules, layers), as Lambda's runtime allows.
  try {
    return createRequire(path.join(TASK_ROOT, "index.js"))(base);
  } catch (error) {
    if (error && error.code === "MODULE_NOT_FOUND") {
      throw new RuntimeError(
        "Runtime.ImportModuleError",
        `Error: Cannot find module '${base}'\nRequire stack:\n- /var/runtime/index.mjs`,
      );
    }
    throw error;
  }
}

async function loadHandler() {
  const match = /^([^.]*?)\.(.+)$/.exec(path.basename(HANDLER));
  if (!match) throw new RuntimeError("Runtime.MalformedHandlerName", "Bad handler");
  const base = path.join(path.dirname(HANDLER), match[1]);
  let module;
  try {
    module = await loadModule(base);
  } catch (error) {
    if (error instanceof RuntimeError) throw error;
    if (error instanceof SyntaxError) {
      throw new RuntimeError("Runtime.UserCodeSyntaxError", `${error.name}: ${error.message}`);
    }
    throw error;
  }
  let handler = module;
  for (const name of match[2].split(".")) {
    handler = handler == null ? undefined : handler[name];
  }
  if (handler === undefined && module && module.default) handler = module.default[match[2]];
  if (handler === undefined) {
    throw new RuntimeError(
      "Runtime.HandlerNotFound",
      `${HANDLER} is undefined or not exported`,
    );
  }
  if (typeof handler !== "function") {
    throw new RuntimeError(
      "Runtime.HandlerNotFound",
      `${HANDLER} is not a function`,
    );
  }
  return handler;
}

// -- invocations -----------------------------------------------------------------------------

function contextFor(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  const parse = (value) => (value === undefined ? undefined : JSON.parse(value));
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: parse(headers["lambda-runtime-cognito-identity"]),
    clientContext: parse(headers["lambda-runtime-client-context"]),
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (error) => callback(error ?? "handled");
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === "function") {
        returned.then((result) => callback(null, result), (error) => callback(error ?? "undefined"));
      } else if (handler.length < 3 && returned !== undefined) {
        callback(null, returned);
      } else if (handler.length < 3) {
        callback(null, undefined);
      }
    } catch (error) {
      callback(error ?? "undefined");
    }
  });
}

let invoking = null; // the request id while a handler runs

async function fail(label, error, exitCode) {
  const response = errorResponse(error);
  logError(label, error);
  if (invoking) {
    const requestId = invoking;
    invoking = null;
    await postError(`invocation/${requestId}/error`, response).catch(() => {});
  }
  process.exit(exitCode);
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    logError("Uncaught Exception", error);
    await postError("init/error", errorResponse(error));
    process.exit(129);
  }
  process.on("uncaughtException", (error) => fail("Uncaught Exception", error, 129));
  process.on("unhandledRejection", (reason) => {
    const error = new RuntimeError(
      "Runtime.UnhandledPromiseRejection",
      isError(reason) ? `${reason.name}: ${reason.message}` : String(reason),
    );
    fail("Unhandled Promise Rejection", error, 128);
  });
  for (;;) {
    const next = await call("GET", "invocation/next");
    if (next.status !== 200) {
      process.stderr.write(`Runtime API answered /next with ${next.status}\n`);
      process.exit(1);
    }
    const requestId = next.headers["lambda-runtime-aws-request-id"];
    currentRequestId = requestId;
    const traceId = next.headers["lambda-runtime-trace-id"];
    if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
    else delete process.env._X_AMZN_TRACE_ID;
    const context = contextFor(next.headers);
    invoking = requestId;
    let result;
    let failure;
    try {
      result = await runHandler(handler, JSON.parse(next.body.toString("utf8")), context);
    } catch (error) {
      failure = error;
    }
    if (invoking !== requestId) continue; // a crash already answered this invocation
    invoking = null;
    if (failure !== undefined) {
      logError("Invoke Error", failure);
      await postError(`invocation/${requestId}/error`, errorResponse(failure));
      continue;
    }
    let body;
    try {
      body = result === undefined ? "null" : JSON.stringify(result);
    } catch (error) {
      const marshal = new RuntimeError(
        "Runtime.MarshalError",
        `Unable to stringify response body: ${error.message}`,
      );
      logError("Invoke Error", marshal);
      await postError(`invocation/${requestId}/error`, errorResponse(marshal));
      continue;
    }
    const answer = await call("POST", `invocation/${requestId}/response`, body, {
      "Content-Type": "application/json",
    });
    if (answer.status === 413) {
      logRecord(
        "ERROR",
        "LAMBDA_RUNTIME Failed to post handler success response. Http response code: 413.",
      );
      process.exit(1);
    }
  }
}

main();
