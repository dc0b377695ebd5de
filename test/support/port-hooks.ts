// Mocha hooks shared by the provider suites: one Port emulator per suite, reset before each test,
// and the provider credentials in the environment while the suite runs (restored after).
import { PortEmulator, PortEmulatorOptions, TEST_CREDENTIALS } from "./port-emulator";

/** Starts the emulator in `before` and hands it to `set` (suites keep their own `port` variable). */
export function usePortEmulator(set: (port: PortEmulator) => void, options: PortEmulatorOptions = {}): void {
  let port: PortEmulator | undefined;
  const saved = { id: process.env.PORT_CLIENT_ID, secret: process.env.PORT_CLIENT_SECRET };
  before(async () => {
    port = await PortEmulator.start(options);
    set(port);
    process.env.PORT_CLIENT_ID = TEST_CREDENTIALS.clientId;
    process.env.PORT_CLIENT_SECRET = TEST_CREDENTIALS.clientSecret;
  });
  after(async () => {
    await port?.stop();
    restore("PORT_CLIENT_ID", saved.id);
    restore("PORT_CLIENT_SECRET", saved.secret);
  });
  beforeEach(() => port?.reset());
}

// Assigning undefined to process.env stores the string "undefined".
function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
