// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

interface IDeviceRegistry {
    function isMember(address who) external view returns (bool);
    function capacityOf(address who) external view returns (bool member, uint64 cpuMilli, uint64 memoryMB);
    function hasLabel(address who, bytes32 label) external view returns (bool);
    function events() external view returns (address);
    function reputation() external view returns (address);
}

interface IOperators {
    function canChangeApps(address who) external view returns (bool);
}

interface IReputationOutcomes {
    function recordFailedAfterMigration(address node) external;
}

/// @title Distributed Container Registry (HIDRA's DCR) for one edge-agent cluster.
/// @notice Apps (spec + the operator who last changed it), replica → node assignments, and each replica's reported state; the events are the
/// history of every change. Placement has no central decider: every agent computes the same greedy plan from this
/// contract's state and claims the replicas the plan gives it; the contract accepts a claim only if the claiming
/// node satisfies the app's constraints and has declared capacity left, so any placement can be checked from chain
/// data alone, and a replica is assigned to at most one node at any block. Apps belong to the cluster: any operator with
/// the deployer or admin role (the Operators contract) may deploy, scale or remove any app; node keys may not.
contract AppRegistry {
    using EnumerableSet for EnumerableSet.Bytes32Set;

    string public constant KIND = "edge-agent/AppRegistry";

    /// Why a node may not take one more replica of an app (None: it may). The agent's planner, `app ls` and the solver
    /// ranking use these names from the ABI (lib/placement/rule.ts), and a property test holds both to one answer.
    enum Ineligible {
        None,
        NotMember,
        PinnedElsewhere,
        MissingLabel,
        AlreadyHoldsOne, // spread or every-node
        NoCpuLeft,
        NoMemoryLeft,
        HostPortTaken
    }

    enum State {
        Pending, // not assigned, or assigned and not yet reported
        Starting,
        Running,
        Failed
    }

    struct Spec {
        string image;
        uint32 replicas; // ignored when everyNode
        uint64[] ports; // (udp ? 1 << 32 : 0) | host << 16 | container
        string[] env; // "KEY=value"
        uint32 cpuMilli; // request per replica, 1000 = one core
        uint32 memoryMB; // request per replica
        string[] selector; // "key=value" labels a node must carry
        bool spread; // at most one replica per node
        bool everyNode; // one replica on every matching node
        address pin; // only this node may run the replicas (0 = any)
    }

    struct App {
        bytes32 id;
        string name;
        address updatedBy; // the operator who last deployed or scaled it
        uint64 version; // bumps on every deploy; a node recreates its containers when it changes
        uint64 updatedAt; // block
        Spec spec;
    }

    struct Replica {
        address node; // 0 = pending
        State state;
        uint64 version; // app version the state was reported for
        uint64 since; // block of the last assignment or report
        string reason; // why it failed, as the node reported
    }

    IDeviceRegistry public immutable devices;
    IOperators public immutable operators;

    EnumerableSet.Bytes32Set private appIds;
    mapping(bytes32 => App) private apps;
    mapping(bytes32 => Replica[]) private replicaList;
    mapping(bytes32 => mapping(address => uint32)) private heldBy; // app => node => replicas
    mapping(address => uint64) public cpuUsed;
    mapping(address => uint64) public memoryUsed;
    mapping(address => mapping(uint64 => bool)) private hostPortUsed; // node => (udp << 16 | host port)
    mapping(bytes32 => mapping(uint32 => uint64)) public movedAt; // block a migration last moved the replica

    /// Blocks after a migration within which a "failed" report from the new node counts against its reputation.
    uint64 public constant FAILED_AFTER_MIGRATION_BLOCKS = 30;

    event AppDeployed(bytes32 indexed app, string name, address indexed operator, uint64 version);
    event AppScaled(bytes32 indexed app, uint32 replicas, address indexed operator);
    event AppRemoved(bytes32 indexed app, string name, address indexed operator);
    event ReplicaAssigned(bytes32 indexed app, uint32 replica, address indexed node);
    event ReplicaReleased(bytes32 indexed app, uint32 replica, address indexed node);
    event ReplicaReported(bytes32 indexed app, uint32 replica, address indexed node, State state, uint64 version, string reason);
    event ReplicaMoved(bytes32 indexed app, uint32 replica, address indexed from, address indexed to);

    error NoSuchApp(bytes32 app);
    error NotOperator(address caller);
    error NotMember(address caller);
    error NothingToClaim();
    error InvalidSpec(string why);
    error NoSuchReplica(uint32 replica);
    error AlreadyAssigned(uint32 replica, address node);
    error NotAssignedToYou(uint32 replica);
    error OnlyEventLogger();
    error NotEligible(Ineligible reason);

    constructor(address devices_, address operators_) {
        devices = IDeviceRegistry(devices_);
        operators = IOperators(operators_);
    }

    modifier onlyAppOperator() {
        if (!operators.canChangeApps(msg.sender)) revert NotOperator(msg.sender);
        _;
    }

    modifier onlyMember() {
        if (!devices.isMember(msg.sender)) revert NotMember(msg.sender);
        _;
    }

    // ---- operators (deployer or admin role): deploy, scale, remove ----------------------------

    /// Creates the app, or replaces its spec. A change to placement-relevant fields releases every replica so they are
    /// placed again under the new constraints.
    function deploy(string calldata name, Spec calldata spec) external onlyAppOperator {
        if (bytes(name).length == 0 || bytes(name).length > 48) revert InvalidSpec("name must be 1 to 48 characters");
        if (bytes(spec.image).length == 0) revert InvalidSpec("image is empty");
        bytes32 id = keccak256(bytes(name));
        App storage app = apps[id];
        if (appIds.add(id)) {
            app.id = id;
            app.name = name;
        } else {
            if (placementKey(app.spec) != placementKey(spec)) releaseAll(id);
        }
        app.spec = spec;
        app.updatedBy = msg.sender;
        app.version += 1;
        app.updatedAt = uint64(block.number);
        emit AppDeployed(id, name, msg.sender, app.version);
        if (!spec.everyNode) resize(id, spec.replicas);
    }

    function scale(bytes32 id, uint32 replicas) external onlyAppOperator {
        App storage app = existingApp(id);
        if (app.spec.everyNode) revert InvalidSpec("an every-node app cannot be scaled");
        app.spec.replicas = replicas;
        app.updatedBy = msg.sender;
        resize(id, replicas);
        emit AppScaled(id, replicas, msg.sender);
    }

    function remove(bytes32 id) external onlyAppOperator {
        App storage app = existingApp(id);
        string memory name = app.name;
        releaseAll(id);
        delete replicaList[id];
        appIds.remove(id);
        delete apps[id];
        emit AppRemoved(id, name, msg.sender);
    }

    // ---- nodes (members only): claim, release, report ----------------------------------------

    /// The sender takes the given pending replicas; all or nothing, and at least one.
    function claim(bytes32 id, uint32[] calldata replicas) external onlyMember {
        if (replicas.length == 0) revert NothingToClaim();
        App storage app = existingApp(id);
        Replica[] storage list = replicaList[id];
        for (uint256 i = 0; i < replicas.length; i++) {
            uint32 r = replicas[i];
            if (r >= list.length) revert NoSuchReplica(r);
            if (list[r].node != address(0)) revert AlreadyAssigned(r, list[r].node);
            assign(app, r, msg.sender);
        }
    }

    /// For an every-node app: the sender takes one replica of its own (reusing a released slot).
    function claimEveryNode(bytes32 id) external onlyMember {
        App storage app = existingApp(id);
        if (!app.spec.everyNode) revert InvalidSpec("not an every-node app");
        Replica[] storage list = replicaList[id];
        uint32 r = uint32(list.length);
        for (uint32 i = 0; i < list.length; i++) {
            if (list[i].node == address(0)) {
                r = i;
                break;
            }
        }
        if (r == list.length) list.push();
        assign(app, r, msg.sender);
    }

    /// The assigned node gives a replica back (it can no longer run it); it becomes pending.
    function release(bytes32 id, uint32 replica) external onlyMember {
        existingApp(id);
        Replica[] storage list = replicaList[id];
        if (replica >= list.length || list[replica].node != msg.sender) revert NotAssignedToYou(replica);
        releaseOne(id, replica);
    }

    /// The EventLogger moves a replica from its node to the migration's solver, in one step: never unassigned.
    function move(bytes32 id, uint32 replica, address from, address to) external {
        if (msg.sender != devices.events()) revert OnlyEventLogger();
        App storage app = existingApp(id);
        Replica[] storage list = replicaList[id];
        if (replica >= list.length || list[replica].node != from) revert NotAssignedToYou(replica);
        releaseOne(id, replica);
        assign(app, replica, to);
        movedAt[id][replica] = uint64(block.number);
        emit ReplicaMoved(id, replica, from, to);
    }

    function nodeOf(bytes32 id, uint32 replica) external view returns (address) {
        Replica[] storage list = replicaList[id];
        return replica < list.length ? list[replica].node : address(0);
    }

    /// Only the assigned node reports its replica's actual state.
    function report(bytes32 id, uint32 replica, State state, uint64 version, string calldata reason) external onlyMember {
        existingApp(id);
        Replica[] storage list = replicaList[id];
        if (replica >= list.length || list[replica].node != msg.sender) revert NotAssignedToYou(replica);
        Replica storage r = list[replica];
        r.state = state;
        r.version = version;
        r.since = uint64(block.number);
        r.reason = reason;
        uint64 moved = movedAt[id][replica];
        if (state == State.Failed && moved != 0 && block.number <= moved + FAILED_AFTER_MIGRATION_BLOCKS) {
            movedAt[id][replica] = 0; // counted once
            IReputationOutcomes(devices.reputation()).recordFailedAfterMigration(msg.sender);
        }
        emit ReplicaReported(id, replica, msg.sender, state, version, reason);
    }

    // ---- reads -------------------------------------------------------------------------------

    function appCount() external view returns (uint256) {
        return appIds.length();
    }

    function getApp(bytes32 id) external view returns (App memory) {
        return existingApp(id);
    }

    function replicasOf(bytes32 id) external view returns (Replica[] memory) {
        return replicaList[id];
    }

    /// Everything an agent needs to plan and reconcile, in one call.
    function snapshot() external view returns (App[] memory all, Replica[][] memory replicas) {
        uint256 n = appIds.length();
        all = new App[](n);
        replicas = new Replica[][](n);
        for (uint256 i = 0; i < n; i++) {
            bytes32 id = appIds.at(i);
            all[i] = apps[id];
            replicas[i] = replicaList[id];
        }
    }

    /// Whether `node` may take one more replica of the app now (None), else the first rule it fails, checked in the
    /// enum's order.
    function eligibility(bytes32 id, address node) public view returns (Ineligible) {
        Spec storage spec = apps[id].spec;
        (bool member, uint64 cpuCap, uint64 memCap) = devices.capacityOf(node);
        if (!member) return Ineligible.NotMember;
        if (spec.pin != address(0) && spec.pin != node) return Ineligible.PinnedElsewhere;
        for (uint256 i = 0; i < spec.selector.length; i++) {
            if (!devices.hasLabel(node, keccak256(bytes(spec.selector[i])))) return Ineligible.MissingLabel;
        }
        if ((spec.spread || spec.everyNode) && heldBy[id][node] > 0) return Ineligible.AlreadyHoldsOne;
        if (cpuUsed[node] + spec.cpuMilli > cpuCap) return Ineligible.NoCpuLeft;
        if (memoryUsed[node] + spec.memoryMB > memCap) return Ineligible.NoMemoryLeft;
        for (uint256 i = 0; i < spec.ports.length; i++) {
            if (hostPortUsed[node][hostPortKey(spec.ports[i])]) return Ineligible.HostPortTaken;
        }
        return Ineligible.None;
    }

    // ---- internals ---------------------------------------------------------------------------

    function assign(App storage app, uint32 r, address node) private {
        Ineligible why = eligibility(app.id, node);
        if (why != Ineligible.None) revert NotEligible(why);
        Spec storage spec = app.spec;
        cpuUsed[node] += spec.cpuMilli;
        memoryUsed[node] += spec.memoryMB;
        for (uint256 i = 0; i < spec.ports.length; i++) hostPortUsed[node][hostPortKey(spec.ports[i])] = true;
        heldBy[app.id][node] += 1;
        Replica storage replica = replicaList[app.id][r];
        replica.node = node;
        replica.state = State.Pending;
        replica.version = 0;
        replica.since = uint64(block.number);
        replica.reason = "";
        emit ReplicaAssigned(app.id, r, node);
    }

    function releaseOne(bytes32 id, uint32 r) private {
        Replica storage replica = replicaList[id][r];
        address node = replica.node;
        if (node == address(0)) return;
        Spec storage spec = apps[id].spec;
        cpuUsed[node] -= spec.cpuMilli;
        memoryUsed[node] -= spec.memoryMB;
        for (uint256 i = 0; i < spec.ports.length; i++) delete hostPortUsed[node][hostPortKey(spec.ports[i])];
        heldBy[id][node] -= 1;
        delete movedAt[id][r]; // a later claimer did not solve a migration; move() sets it again after its assign
        replica.node = address(0);
        replica.state = State.Pending;
        replica.version = 0;
        replica.since = uint64(block.number);
        replica.reason = "";
        emit ReplicaReleased(id, r, node);
    }

    function releaseAll(bytes32 id) private {
        uint256 n = replicaList[id].length;
        for (uint256 r = 0; r < n; r++) releaseOne(id, uint32(r));
    }

    function resize(bytes32 id, uint32 replicas) private {
        Replica[] storage list = replicaList[id];
        while (list.length > replicas) {
            releaseOne(id, uint32(list.length - 1));
            list.pop();
        }
        while (list.length < replicas) list.push();
    }

    /// Resources and constraints are released with the old spec, so they must not change under assigned replicas.
    function placementKey(Spec memory spec) private pure returns (bytes32) {
        return keccak256(abi.encode(spec.ports, spec.cpuMilli, spec.memoryMB, spec.selector, spec.spread, spec.everyNode, spec.pin));
    }

    function hostPortKey(uint64 port) private pure returns (uint64) {
        return ((port >> 32) << 16) | ((port >> 16) & 0xffff);
    }

    function existingApp(bytes32 id) private view returns (App storage app) {
        if (!appIds.contains(id)) revert NoSuchApp(id);
        return apps[id];
    }
}
