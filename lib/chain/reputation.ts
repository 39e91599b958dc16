// Typed binding of the Reputation contract (HIDRA's DRS): outcome counts and the recent average credit per node.
// Agents read the records through DeviceRegistry.memberStatus(), with the rest of each member's health.
import type { BlockTag, Signer, TransactionReceipt, ContractRunner } from "ethers";
import { ReputationArtifact } from "./abi";
import { TypedContract } from "./contract";
import { deployed } from "./tx";

export type ReputationRecord = { confirmed: number; timedOut: number; failedAfterMigration: number; evictions: number; rac: number; racAt: number };

export class Reputation {
  private readonly contract: TypedContract<typeof ReputationArtifact.abi>;

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new TypedContract(address, ReputationArtifact.abi, runner);
  }

  static async deploy(signer: Signer, devices: string): Promise<{ reputation: Reputation; receipt: TransactionReceipt }> {
    const receipt = await deployed("Reputation", ReputationArtifact, signer, [devices]);
    return { reputation: new Reputation(receipt.contractAddress!, signer), receipt };
  }

  /** One node's record; RAC as a number 0..10 (neutral 5 before any outcome). */
  async record(node: string, blockTag?: BlockTag): Promise<ReputationRecord> {
    const r = await this.contract.read("recordOf", [node], blockTag);
    return { confirmed: r.confirmed, timedOut: r.timedOut, failedAfterMigration: r.failedAfterMigration, evictions: r.evictions, rac: Number(r.racAt) === 0 ? 5 : Number(r.rac) / 1e6, racAt: Number(r.racAt) };
  }
}
