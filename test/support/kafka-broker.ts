// A real single-node Kafka broker for the tests: KRaft, one JVM acting as broker and controller,
// run from the Maven Central jars of tools/kafka-jars.ts. Clients reach it as they reach Port's
// brokers: SASL/SCRAM-SHA-512 over TLS (a throwaway self-signed certificate made with the JDK's
// keytool; clients trust it through NODE_EXTRA_CA_CERTS or `ssl.ca`). The SCRAM users are written
// into the metadata log at format time (`--add-scram`), as `kafka-storage format` does. Loopback
// ports only, data and log in a temporary directory removed by stop(); the JVM is killed with the
// test process whatever happens (spawned.ts).
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DEFAULT_KAFKA_VERSION, ensureKafkaJars } from "../../tools/kafka-jars";
import { exited, guardChild, terminate } from "./spawned";

export interface ScramUser {
  readonly name: string;
  readonly password: string;
}

export interface BrokerOptions {
  /** Kafka release (default: KAFKA_VERSION from the environment, else tools/kafka-jars.ts's). */
  readonly version?: string;
  /** SCRAM-SHA-512 users created at format time. */
  readonly users: readonly ScramUser[];
  /** Give up waiting for the broker after this long (a cold JVM on a busy 2-core machine is slow). */
  readonly startTimeoutMs?: number;
}

/** A free TCP port on loopback (the OS picks it; released at once for the broker to take). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function run(command: string, args: string[], what: string): void {
  const res = spawnSync(command, args, { encoding: "utf8", timeout: 120_000 });
  if (res.status !== 0) throw new Error(`${what} failed (exit ${res.status ?? res.signal}): ${`${res.stderr}\n${res.stdout}`.trim().slice(-2000)}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class PortTaken extends Error {}

export class KafkaBroker {
  private stopped = false;

  private constructor(
    readonly version: string,
    /** host:port of the SASL_SSL listener, as clients are given it. */
    readonly bootstrap: string,
    /** PEM of the broker's self-signed certificate: the only CA a client needs. */
    readonly caPem: string,
    readonly caFile: string,
    private readonly dir: string,
    private readonly java: ChildProcess,
  ) {}

  static async start(opts: BrokerOptions): Promise<KafkaBroker> {
    const version = opts.version ?? (process.env.KAFKA_VERSION?.trim() || DEFAULT_KAFKA_VERSION);
    const libs = ensureKafkaJars(version);
    for (let attempt = 1; ; attempt++) {
      const dir = mkdtempSync(path.join(tmpdir(), "kafka-broker-"));
      try {
        return await KafkaBroker.startIn(dir, libs, version, opts);
      } catch (err) {
        rmSync(dir, { recursive: true, force: true });
        // A port found free was taken by another process before the JVM bound it: new ports.
        if (!(err instanceof PortTaken) || attempt === 3) throw err;
      }
    }
  }

  private static async startIn(dir: string, libs: string, version: string, opts: BrokerOptions): Promise<KafkaBroker> {
    const [clientPort, internalPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
    const storePass = randomBytes(12).toString("hex");
    const keystore = path.join(dir, "broker.p12");
    const caFile = path.join(dir, "ca.pem");
    // One self-signed certificate for "localhost" (what clients dial) and 127.0.0.1; EC keys are quick to make.
    run("keytool", ["-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
      "-validity", "2", "-keystore", keystore, "-storetype", "PKCS12", "-storepass", storePass, "-keypass", storePass], "keytool -genkeypair");
    run("keytool", ["-exportcert", "-rfc", "-alias", "broker", "-keystore", keystore, "-storepass", storePass, "-file", caFile], "keytool -exportcert");

    const properties = path.join(dir, "server.properties");
    writeFileSync(properties, [
      "process.roles=broker,controller",
      "node.id=1",
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      // Clients: SASL_SSL as Port's brokers. Between broker and controller, and the broker's own
      // inter-broker listener (unused with one node, but required): plaintext on loopback.
      `listeners=SASL_SSL://127.0.0.1:${clientPort},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SASL_SSL://localhost:${clientPort},INTERNAL://127.0.0.1:${internalPort}`,
      "listener.security.protocol.map=SASL_SSL:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
      "controller.listener.names=CONTROLLER",
      "inter.broker.listener.name=INTERNAL",
      "sasl.enabled.mechanisms=SCRAM-SHA-512",
      "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
      "ssl.keystore.type=PKCS12",
      `ssl.keystore.location=${keystore}`,
      `ssl.keystore.password=${storePass}`,
      `ssl.key.password=${storePass}`,
      `log.dirs=${path.join(dir, "data")}`,
      // Port creates the org topic; nothing else may appear by accident.
      "auto.create.topics.enable=false",
      "num.partitions=1",
      "offsets.topic.replication.factor=1",
      "offsets.topic.num.partitions=4",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "share.coordinator.state.topic.replication.factor=1",
      "share.coordinator.state.topic.min.isr=1",
      // A group's first member gets its partitions at once instead of after 3 s.
      "group.initial.rebalance.delay.ms=0",
      "",
    ].join("\n"));

    const classpath = path.join(libs, "*");
    const clusterId = randomBytes(16).toString("base64url");
    const scram = opts.users.flatMap((u) => ["--add-scram", `SCRAM-SHA-512=[name=${u.name},password=${u.password}]`]);
    const logFile = path.join(dir, "broker.log");
    const jvm = ["-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Djava.awt.headless=true",
      "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", `-Dorg.slf4j.simpleLogger.logFile=${logFile}`, "-Dorg.slf4j.simpleLogger.showDateTime=true"];
    run("java", [...jvm.filter((a) => !a.includes("logFile")), `-Dorg.slf4j.simpleLogger.logFile=${path.join(dir, "format.log")}`, "-cp", classpath,
      "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", properties, ...scram], "kafka-storage format");

    const java = spawn("java", [...jvm, "-cp", classpath, "kafka.Kafka", properties], { stdio: ["ignore", "ignore", "pipe"] });
    guardChild(java, dir);
    let stderr = "";
    java.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const broker = new KafkaBroker(version, `localhost:${clientPort}`, readFileSync(caFile, "utf8"), caFile, dir, java);
    const deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
    let gone: number | string | undefined;
    void exited(java).then((c) => (gone = c));
    while (!broker.log().includes("Kafka Server started")) {
      if (gone !== undefined || Date.now() > deadline) {
        const why = gone !== undefined ? `exited (${gone})` : "did not start in time";
        const log = broker.log();
        // The first error says why; the tail is mostly its stack trace.
        const firstError = log.split("\n").find((l) => / ERROR /.test(l)) ?? "";
        const detail = `${firstError}\n...\n${broker.logTail(15)}\n${stderr.trim()}`;
        await broker.stop();
        if (/Address already in use|BindException/.test(log + stderr)) throw new PortTaken(detail);
        throw new Error(`Kafka ${version} broker ${why}:\n${detail}`);
      }
      await sleep(200);
    }
    return broker;
  }

  /** The broker's log so far (slf4j-simple, INFO and up). */
  log(): string {
    const file = path.join(this.dir, "broker.log");
    return existsSync(file) ? readFileSync(file, "utf8") : "";
  }

  logTail(lines: number): string {
    return this.log().trimEnd().split("\n").slice(-lines).join("\n");
  }

  get pid(): number | undefined {
    return this.java.pid;
  }

  /** Stop the JVM (SIGTERM, SIGKILL after 5 s) and remove its data. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await terminate(this.java, 5_000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
