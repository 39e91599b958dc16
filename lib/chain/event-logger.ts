// Typed binding of the EventLogger contract (HIDRA's DEL): migration events, their phases and outcomes.
import { Contract, Interface, ZeroAddress, getAddress, type ContractRunner, type Signer, type TransactionReceipt } from "ethers";
import { EventLoggerArtifact } from "./artifacts";
import { deployed, mined, type RevertExplainer } from "./tx";

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

const KINDS: MigrationKind[] = ["overload", "node-lost"];
const PHASES: Array<MigrationPhase | "none"> = ["none", "open", "resolved", "expired"];

const explain: RevertExplainer = {
  iface: new Interface(EventLoggerArtifact.abi),
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
      case "NotEligible": return `the solver is not eligible for the replica (reason ${args[0]}: see AppRegistry.NotEligible)`;
      default: return undefined;
    }
  },
};

export class EventLogger {
  private readonly contract: Contract;

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new Contract(address, EventLoggerArtifact.abi, runner);
  }

  static async deploy(signer: Signer, devices: string, apps: string, solverBlocks: number, eventBlocks: number): Promise<{ events: EventLogger; receipt: TransactionReceipt }> {
    const receipt = await deployed("EventLogger", EventLoggerArtifact, signer, [devices, apps, solverBlocks, eventBlocks]);
    return { events: new EventLogger(receipt.contractAddress!, signer), receipt };
  }

  file(appId: string, replica: number, designated: string, reason: string): Promise<TransactionReceipt> {
    return mined(`filing a migration of replica ${replica}`, () => this.contract.getFunction("file")(appId, replica, designated, reason.slice(0, 160)), explain);
  }

  fileLost(appId: string, replica: number, designated: string): Promise<TransactionReceipt> {
    return mined(`filing a lost-node migration of replica ${replica}`, () => this.contract.getFunction("fileLost")(appId, replica, designated), explain);
  }

  confirm(id: number): Promise<TransactionReceipt> {
    return mined(`confirming migration ${id}`, () => this.contract.getFunction("confirm")(id), explain);
  }

  expire(id: number): Promise<TransactionReceipt> {
    return mined(`expiring migration ${id}`, () => this.contract.getFunction("expire")(id), explain);
  }

  async count(blockTag?: number): Promise<number> {
    return Number(await this.contract.getFunction("eventCount")({ blockTag }));
  }

  /** Events with ids [from, from + count). */
  async range(from: number, count: number, blockTag?: number): Promise<Migration[]> {
    const raw: any[] = await this.contract.getFunction("eventsFrom")(from, count, { blockTag });
    return raw.map((m, i) => fromChain(m, from + i));
  }

  async solverBlocks(): Promise<number> {
    return Number(await this.contract.getFunction("solverBlocks")());
  }

  /** Block timestamps for the audit trail: filedAt/closedAt are block numbers on chain. */
  get abiInterface(): Interface {
    return this.contract.interface;
  }
}

function fromChain(m: any, id: number): Migration {
  return {
    id,
    appId: m.app,
    replica: Number(m.replica),
    kind: KINDS[Number(m.kind)]!,
    phase: PHASES[Number(m.phase)] as MigrationPhase,
    from: getAddress(m.from),
    filer: getAddress(m.filer),
    designated: getAddress(m.designated),
    solver: m.solver === ZeroAddress ? null : getAddress(m.solver),
    filedAt: Number(m.filedAt),
    designatedUntil: Number(m.designatedUntil),
    deadline: Number(m.deadline),
    closedAt: Number(m.closedAt) || null,
    reason: m.reason,
  };
}
