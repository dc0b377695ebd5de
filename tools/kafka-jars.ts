// `npm run -s kafka:jars [version]`: the jars of a single-node Kafka broker (the
// org.apache.kafka:kafka_2.13 artifact and its runtime dependencies, plus a log binding),
// fetched from Maven Central with Maven into a per-user cache keyed by version. Nothing lands in
// the repository. The last stdout line is the libs directory (scripts read it). Used by the
// real-broker tests (test/support/kafka-broker.ts), which call ensureKafkaJars directly.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";

/** Kafka 4.4.0: the current release (KRaft only, and without the protocol versions KIP-896 removed). */
export const DEFAULT_KAFKA_VERSION = "4.4.0";

/** A missing tool or a failed fetch, worded as one line for the person running it. */
export class KafkaJarsError extends Error {
  override readonly name = "KafkaJarsError";
}

/** `${XDG_CACHE_HOME:-$HOME/.cache}/developer-portal`: shared by every checkout of the project. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME?.trim();
  return path.join(xdg ? xdg : path.join(env.HOME?.trim() || homedir(), ".cache"), "developer-portal");
}

export function libsDir(version: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), `kafka-${version}`, "libs");
}

function pom(version: string): string {
  // slf4j-simple binds the broker's slf4j 1.7 API, so its log goes to a file a failing test can show.
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.developer-portal</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${version}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
`;
}

function requireTool(command: string, args: string[], what: string): void {
  const res = spawnSync(command, args, { stdio: "ignore" });
  if (res.error || res.status !== 0) throw new KafkaJarsError(`kafka:jars: ${what} is needed to fetch and run the Kafka broker (\`${command}\` not found or not working)`);
}

const VERSION = /^\d+\.\d+\.\d+$/;

/**
 * The libs directory of Kafka `version`, fetched on first use. Atomic: Maven fills a private
 * temporary directory that is renamed into place, so a crashed or concurrent fetch never leaves a
 * half-filled libs directory that a later run would take for complete.
 */
export function ensureKafkaJars(version: string = DEFAULT_KAFKA_VERSION, env: NodeJS.ProcessEnv = process.env): string {
  if (!VERSION.test(version)) throw new KafkaJarsError(`kafka:jars: "${version}" is not a Kafka version (x.y.z)`);
  const libs = libsDir(version, env);
  if (existsSync(libs)) return libs;
  requireTool("java", ["-version"], "Java 17 or later");
  requireTool("mvn", ["-v"], "Maven 3.8 or later");
  const parent = path.dirname(libs);
  mkdirSync(parent, { recursive: true });
  const work = path.join(parent, `.fetch-${process.pid}-${Date.now()}`);
  mkdirSync(work);
  try {
    writeFileSync(path.join(work, "pom.xml"), pom(version));
    const res = spawnSync("mvn", ["-q", "-B", "-f", path.join(work, "pom.xml"), "dependency:copy-dependencies", "-DincludeScope=runtime", `-DoutputDirectory=${path.join(work, "libs")}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 15 * 60_000,
    });
    const jars = existsSync(path.join(work, "libs")) ? readdirSync(path.join(work, "libs")) : [];
    if (res.status !== 0 || !jars.includes(`kafka_2.13-${version}.jar`)) {
      const detail = `${res.stdout}\n${res.stderr}`.split("\n").map((l) => l.trim()).filter((l) => l.includes("ERROR")).slice(0, 1).join("");
      throw new KafkaJarsError(`kafka:jars: Maven could not fetch org.apache.kafka:kafka_2.13:${version}${detail ? ` (${detail.replace(/\u001b\[[0-9;]*m/g, "").slice(0, 300)})` : ""}`);
    }
    try {
      renameSync(path.join(work, "libs"), libs);
    } catch (err) {
      // Another run finished first: its directory is as good as ours.
      if (!existsSync(libs)) throw err;
    }
    return libs;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    process.stdout.write(`${ensureKafkaJars(process.argv[2] ?? DEFAULT_KAFKA_VERSION)}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
