// Typed binding of the Operators contract: the cluster's operator keys and their roles (OpenZeppelin AccessControl).
import type { BlockTag, ContractRunner, Signer, TransactionReceipt } from "ethers";
import { OperatorsArtifact, enumMembers, enumName } from "./abi";
import { TypedContract } from "./contract";
import { deployed, mined, type RevertExplainer } from "./tx";

export type OperatorRole = "admin" | "deployer" | "viewer";
export type OperatorRecord = { address: string; role: OperatorRole };

const ROLE_OF_NAME = { Admin: "admin", Deployer: "deployer", Viewer: "viewer" } as const satisfies Record<string, OperatorRole>;
export const OPERATOR_ROLES = Object.values(ROLE_OF_NAME);
const roleValue = (role: OperatorRole): number => enumMembers("Operators.Role").findIndex((n) => n !== "None" && ROLE_OF_NAME[n] === role);

const explain = (iface: RevertExplainer["iface"]): RevertExplainer => ({
  iface,
  explain: (name, args) => {
    switch (name) {
      case "LastAdmin": return "the cluster's last admin cannot lose the admin role (make another operator admin first)";
      case "NodeKey": return `${args[0]} is a node key (a member, or an evicted one); operators use keys of their own (\`edge-agent operator new\`)`;
      case "ZeroAddress": return "the zero address cannot be an operator";
      case "NoRole": return "it holds no role (see `edge-agent operator ls`)";
      case "SameRole": return "it holds that role already";
      case "AccessControlUnauthorizedAccount": return `${args[0]} is not an admin of this cluster`;
      default: return undefined;
    }
  },
});

export class Operators {
  private readonly contract: TypedContract<typeof OperatorsArtifact.abi>;
  private readonly explain: RevertExplainer;

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new TypedContract(address, OperatorsArtifact.abi, runner);
    this.explain = explain(this.contract.iface);
  }

  static async deploy(signer: Signer, devices: string, firstAdmin: string): Promise<{ operators: Operators; receipt: TransactionReceipt }> {
    const receipt = await deployed("Operators", OperatorsArtifact, signer, [devices, firstAdmin]);
    return { operators: new Operators(receipt.contractAddress!, signer), receipt };
  }

  /** The role `who` holds, or null if it is no operator. */
  async roleOf(who: string, blockTag?: BlockTag): Promise<OperatorRole | null> {
    const name = enumName("Operators.Role", await this.contract.read("roleOf", [who], blockTag));
    return name === "None" ? null : ROLE_OF_NAME[name];
  }

  async list(blockTag?: BlockTag): Promise<OperatorRecord[]> {
    const [who, roles] = await this.contract.read("list", [], blockTag);
    return who.map((address, i) => {
      const name = enumName("Operators.Role", roles[i]!);
      if (name === "None") throw new Error(`Operators.list returned ${address} without a role`);
      return { address, role: ROLE_OF_NAME[name] };
    });
  }

  setRole(who: string, role: OperatorRole): Promise<TransactionReceipt> {
    return mined(`making ${who} ${role === "admin" ? "an" : "a"} ${role}`, () => this.contract.send("setRole", [who, roleValue(role)]), this.explain);
  }

  remove(who: string): Promise<TransactionReceipt> {
    return mined(`removing operator ${who}`, () => this.contract.send("removeOperator", [who]), this.explain);
  }
}
