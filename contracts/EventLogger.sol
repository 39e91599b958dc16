// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

interface IMembers {
    function isMember(address who) external view returns (bool);
    function isAlive(address who) external view returns (bool);
    function touch(address node) external;
    function reputation() external view returns (address);
}

interface IPlacement {
    function nodeOf(bytes32 app, uint32 replica) external view returns (address);
    function eligibility(bytes32 app, address node) external view returns (uint8);
    function move(bytes32 app, uint32 replica, address from, address to) external;
}

interface IOutcomes {
    function recordConfirmed(address node) external;
    function recordTimedOut(address node) external;
}

/// @title Distributed Event Logger (HIDRA's DEL): the migration workflow of one edge-agent cluster.
/// @notice An applicant (the replica's node, when one of its rules fires) or any live member (when the replica's
/// node is lost) files a migration naming the designated solver — the first candidate of the public ranking every
/// agent computes from chain data. The solver starts the replica and confirms; the confirmation moves the
/// assignment to it in the same transaction, and only then does the old node stop its copy. Nothing waits for every
/// node: the designated solver has `solverBlocks` blocks, then any eligible member may confirm; an event nobody
/// confirms expires after `eventBlocks`. Two transactions from detection to resolution, with gas independent of
/// the number of members.
contract EventLogger {
    string public constant KIND = "edge-agent/EventLogger";

    enum Kind {
        Overload, // a rule on the replica's node fired
        NodeLost // the replica's node stopped showing signs of life
    }

    enum Phase {
        None,
        Open,
        Resolved,
        Expired
    }

    struct Migration {
        bytes32 app;
        uint32 replica;
        Kind kind;
        Phase phase;
        address from;
        address filer;
        address designated;
        address solver;
        uint64 filedAt; // block
        uint64 designatedUntil; // block: until then only the designated solver may confirm
        uint64 deadline; // block: after it the event expires
        uint64 closedAt; // block of resolution or expiry
        string reason;
    }

    IMembers public immutable devices;
    IPlacement public immutable apps;
    uint64 public immutable solverBlocks;
    uint64 public immutable eventBlocks;

    Migration[] private log;
    mapping(bytes32 => uint256) private openFor; // keccak(app, replica) => id + 1

    event MigrationFiled(uint256 indexed id, bytes32 indexed app, uint32 replica, Kind kind, address indexed from, address filer, address designated, string reason);
    event MigrationResolved(uint256 indexed id, bytes32 indexed app, uint32 replica, address indexed solver, bool designatedTimedOut);
    event MigrationExpired(uint256 indexed id, bytes32 indexed app, uint32 replica);

    error NotYourReplica();
    error NotAssigned();
    error NodeStillAlive(address node);
    error NotMember();
    error AlreadyOpen(uint256 id);
    error SolverNotEligible(address solver);
    error NotOpen(uint256 id);
    error EventExpired(uint256 id);
    error NotYourTurn(uint64 untilBlock);
    error ApplicantCannotSolve();

    modifier onlyMember() {
        if (!devices.isMember(msg.sender)) revert NotMember();
        _;
    }

    constructor(address devices_, address apps_, uint64 solverBlocks_, uint64 eventBlocks_) {
        devices = IMembers(devices_);
        apps = IPlacement(apps_);
        solverBlocks = solverBlocks_;
        eventBlocks = eventBlocks_;
    }

    /// The applicant files: one of its own replicas should move (a rule fired).
    function file(bytes32 app, uint32 replica, address designated, string calldata reason) external onlyMember returns (uint256) {
        if (apps.nodeOf(app, replica) != msg.sender) revert NotYourReplica();
        return open(app, replica, Kind.Overload, msg.sender, designated, reason);
    }

    /// Any member files for a replica whose node is lost (no sign of life within the registry's grace).
    function fileLost(bytes32 app, uint32 replica, address designated) external onlyMember returns (uint256) {
        address from = apps.nodeOf(app, replica);
        if (from == address(0)) revert NotAssigned();
        if (devices.isAlive(from)) revert NodeStillAlive(from);
        return open(app, replica, Kind.NodeLost, from, designated, "node lost");
    }

    /// The solver confirms that it runs the replica; the assignment moves to it now.
    function confirm(uint256 id) external onlyMember {
        Migration storage m = log[id];
        if (m.phase != Phase.Open) revert NotOpen(id);
        if (block.number > m.deadline) revert EventExpired(id);
        if (block.number <= m.designatedUntil && msg.sender != m.designated) revert NotYourTurn(m.designatedUntil);
        if (msg.sender == m.from) revert ApplicantCannotSolve();
        apps.move(m.app, m.replica, m.from, msg.sender); // re-checks the solver's eligibility
        m.phase = Phase.Resolved;
        m.solver = msg.sender;
        m.closedAt = uint64(block.number);
        delete openFor[keyOf(m.app, m.replica)];
        IOutcomes outcomes = IOutcomes(devices.reputation());
        outcomes.recordConfirmed(msg.sender);
        bool designatedTimedOut = msg.sender != m.designated;
        if (designatedTimedOut) outcomes.recordTimedOut(m.designated);
        devices.touch(msg.sender);
        emit MigrationResolved(id, m.app, m.replica, msg.sender, designatedTimedOut);
    }

    /// Closes an event past its deadline (a new filing for the same replica does this too); members only.
    function expire(uint256 id) external onlyMember {
        Migration storage m = log[id];
        if (m.phase != Phase.Open || block.number <= m.deadline) revert NotOpen(id);
        close(id);
    }

    // ---- reads -------------------------------------------------------------------------------

    function eventCount() external view returns (uint256) {
        return log.length;
    }

    function getEvent(uint256 id) external view returns (Migration memory) {
        return log[id];
    }

    /// Events [from, from + count), clipped to what exists.
    function eventsFrom(uint256 from, uint256 count) external view returns (Migration[] memory out) {
        uint256 end = from + count > log.length ? log.length : from + count;
        out = new Migration[](end > from ? end - from : 0);
        for (uint256 i = from; i < end; i++) out[i - from] = log[i];
    }

    /// The open event for a replica as id + 1 (0: none).
    function openEventFor(bytes32 app, uint32 replica) external view returns (uint256) {
        return openFor[keyOf(app, replica)];
    }

    // ---- internals ---------------------------------------------------------------------------

    function open(bytes32 app, uint32 replica, Kind kind, address from, address designated, string memory reason) private returns (uint256 id) {
        bytes32 key = keyOf(app, replica);
        uint256 current = openFor[key];
        if (current != 0) {
            if (block.number <= log[current - 1].deadline) revert AlreadyOpen(current - 1);
            close(current - 1);
        }
        if (designated == from || !devices.isAlive(designated) || apps.eligibility(app, designated) != 0) revert SolverNotEligible(designated);
        id = log.length;
        log.push(Migration({
            app: app,
            replica: replica,
            kind: kind,
            phase: Phase.Open,
            from: from,
            filer: msg.sender,
            designated: designated,
            solver: address(0),
            filedAt: uint64(block.number),
            designatedUntil: uint64(block.number) + solverBlocks,
            deadline: uint64(block.number) + eventBlocks,
            closedAt: 0,
            reason: reason
        }));
        openFor[key] = id + 1;
        devices.touch(msg.sender);
        emit MigrationFiled(id, app, replica, kind, from, msg.sender, designated, reason);
    }

    function close(uint256 id) private {
        Migration storage m = log[id];
        m.phase = Phase.Expired;
        m.closedAt = uint64(block.number);
        delete openFor[keyOf(m.app, m.replica)];
        // Only a turn the solver could have taken counts against it (the replica may have left `from` meanwhile).
        if (apps.nodeOf(m.app, m.replica) == m.from) IOutcomes(devices.reputation()).recordTimedOut(m.designated);
        emit MigrationExpired(id, m.app, m.replica);
    }

    function keyOf(bytes32 app, uint32 replica) private pure returns (bytes32) {
        return keccak256(abi.encode(app, replica));
    }
}
