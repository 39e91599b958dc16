// Typed binding of the EventLogger contract (HIDRA's DEL): migration events, their phases and outcomes.
import { ZeroAddress, type BlockTag, type ContractRunner, type Signer, type TransactionReceipt } from "ethers";
import { EventLoggerArtifact, enumName } from "./abi";
import { TypedContract, type Result } from "./contract";
import { deployed, mined, type RevertExplainer } from "./tx";
import { explainIneligible } from "../placement/rule";

export type MigrationKind = "overload" | "node-lost";
export type MigrationPhase = "open" | "resolved" | "expired";

export type Migration = {
  id: number;
  appId: string;
  replica: number;
  kind: MigrationKind;
  phase: MigrationPhase;
  from: string;
  filer: string;
  designated: string;
  solver: string | null;
  filedAt: number;
  designatedUntil: number;
  deadline: number;
  closedAt: number | null;
  reason: string;
};

const KINDS = { Overload: "overload", NodeLost: "node-lost" } as const satisfies Record<string, MigrationKind>;
const PHASES = { None: null, Open: "open", Resolved: "resolved", Expired: "expired" } as const satisfies Record<string, MigrationPhase | null>;

type Abi = typeof EventLoggerArtifact.abi;
type ChainMigration = Result<Abi, "getEvent">;

const explain = (iface: RevertExplainer["iface"]): RevertExplainer => ({
  iface,
  explain: (name, args) => {
    switch (name) {
      case "NotYourReplica": return "the replica is not assigned to this node";
      case "NotAssigned": return "the replica is not assigned to any node";
      case "NodeStillAlive": return `${args[0]} is still alive`;
      case "NotMember": return "this node is not a member";
      case "AlreadyOpen": return `migration ${args[0]} is already open for this replica`;
      case "SolverNotEligible": return `${args[0]} cannot take the replica (not alive or not eligible)`;
      case "NotOpen": return `migration ${args[0]} is not open`;
      case "EventExpired": return `migration ${args[0]} has expired`;
      case "NotYourTurn": return `only the designated solver may confirm until block ${args[0]}`;
      case "ApplicantCannotSolve": return "the applicant cannot solve its own migration";
      case "NotEligible": return `the solver is not eligible for the replica: ${explainIneligible(enumName("AppRegistry.Ineligible", Number(args[0])))}`;
      default: return undefined;
    }
  },
});

export class EventLogger {
  private readonly contract: TypedContract<Abi>;
  private readonly explain: RevertExplainer;

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new TypedContract(address, EventLoggerArtifact.abi, runner);
    this.explain = explain(this.contract.iface);
  }

  static async deploy(signer: Signer, devices: string, apps: string, solverBlocks: number, eventBlocks: number): Promise<{ events: EventLogger; receipt: TransactionReceipt }> {
    const receipt = await deployed("EventLogger", EventLoggerArtifact, signer, [devices, apps, solverBlocks, eventBlocks]);
    return { events: new EventLogger(receipt.contractAddress!, signer), receipt };
  }

  file(appId: string, replica: number, designated: string, reason: string): Promise<TransactionReceipt> {
    return mined(`filing a migration of replica ${replica}`, () => this.contract.send("file", [appId, replica, designated, reason.slice(0, 160)]), this.explain);
  }

  fileLost(appId: string, replica: number, designated: string): Promise<TransactionReceipt> {
    return mined(`filing a lost-node migration of replica ${replica}`, () => this.contract.send("fileLost", [appId, replica, designated]), this.explain);
  }

  confirm(id: number): Promise<TransactionReceipt> {
    return mined(`confirming migration ${id}`, () => this.contract.send("confirm", [BigInt(id)]), this.explain);
  }

  expire(id: number): Promise<TransactionReceipt> {
    return mined(`expiring migration ${id}`, () => this.contract.send("expire", [BigInt(id)]), this.explain);
  }

  async count(blockTag?: BlockTag): Promise<number> {
    return Number(await this.contract.read("eventCount", [], blockTag));
  }

  /** Events with ids [from, from + count). */
  async range(from: number, count: number, blockTag?: BlockTag): Promise<Migration[]> {
    const raw = await this.contract.read("eventsFrom", [BigInt(from), BigInt(count)], blockTag);
    return raw.map((m, i) => fromChain(m, from + i));
  }

  async solverBlocks(): Promise<number> {
    return Number(await this.contract.read("solverBlocks", []));
  }

  /** The contract's interface, for decoding its logs. */
  get abiInterface(): TypedContract<Abi>["iface"] {
    return this.contract.iface;
  }
}

function fromChain(m: ChainMigration, id: number): Migration {
  const phase = PHASES[enumName("EventLogger.Phase", m.phase)];
  if (phase === null) throw new Error(`migration ${id} does not exist`);
  return {
    id,
    appId: m.app,
    replica: m.replica,
    kind: KINDS[enumName("EventLogger.Kind", m.kind)],
    phase,
    from: m.from,
    filer: m.filer,
    designated: m.designated,
    solver: m.solver === ZeroAddress ? null : m.solver,
    filedAt: Number(m.filedAt),
    designatedUntil: Number(m.designatedUntil),
    deadline: Number(m.deadline),
    closedAt: Number(m.closedAt) || null,
    reason: m.reason,
  };
}
