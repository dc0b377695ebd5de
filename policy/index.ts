// The stack's policy pack: `pulumi preview --policy-pack policy` (the policies live in
// policies.ts so tests can run them without starting the policy server).
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("developer-portal", { policies });
