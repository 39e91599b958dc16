// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Reputation} from "./Reputation.sol";

/// @title Distributed Device Registry (HIDRA's DDR) for one edge-agent cluster.
/// @notice A cluster is one deployment of this contract; its address identifies the cluster.
/// Admission needs a signature from the cluster's join key (the secret inside a join token), bound to the
/// joining address, so the secret itself never appears on chain. A node changes only its own record.
/// Members evict a node by a strict majority of the other members. Liveness: each member's agent sends a small
/// heartbeat; a member whose last sign of life is older than `livenessGrace` seconds counts as lost.
interface IReputation {
    function recordEviction(address node) external;
}

contract DeviceRegistry {
    using EnumerableSet for EnumerableSet.AddressSet;

    string public constant KIND = "edge-agent/DeviceRegistry";
    uint16 public constant VERSION = 1;

    struct Specs {
        string arch;
        uint16 cpuCores;
        uint32 cpuMHz;
        uint64 memoryMB;
        uint64 diskMB;
    }

    struct Node {
        address addr;
        string name;
        Specs specs;
        string[] labels; // "key=value"
        string[] endpoints; // URLs peers may use to reach this node (chain RPC, agent API)
        uint64 joinedAt; // block number
        uint64 updatedAt; // block number
    }

    /// A member as every agent needs it each pass, in one call: its record, its liveness, its reputation outcomes.
    struct MemberStatus {
        Node node;
        uint64 lastSeen; // block timestamp of its last sign of life
        bool alive; // lastSeen within livenessGrace of this block's timestamp
        Reputation.Record reputation;
    }

    /// Address of the join key; holders of its private key may admit nodes.
    address public immutable joinAuthority;
    /// The cluster's other contracts, linked once by the deployer: AppRegistry (HIDRA's DCR), EventLogger (DEL),
    /// Reputation (DRS).
    address public apps;
    address public events;
    address public reputation;
    /// The DeviceDirectory (MQTT devices this cluster's nodes proxy), linked once by the deployer.
    address public deviceDirectory;
    address private immutable deployer;
    /// Seconds without a sign of life after which a member counts as lost.
    uint64 public immutable livenessGrace;
    mapping(address => uint64) public lastSeen; // block timestamp of the member's last heartbeat or migration step
    mapping(address => uint64) public heartbeats;

    EnumerableSet.AddressSet private memberSet;
    mapping(address => Node) private nodes;
    mapping(bytes32 => address) private ownerOfName;
    mapping(address => address[]) private evictionVotes; // target => voters (tallied against current members)
    mapping(address => bool) public evicted;
    mapping(address => mapping(bytes32 => bool)) private labelSet; // node => keccak("key=value") => present

    event NodeRegistered(address indexed node, string name);
    event NodeUpdated(address indexed node, string name);
    event NodeLeft(address indexed node);
    event EvictionVoted(address indexed target, address indexed voter, uint256 votes, uint256 needed);
    event NodeEvicted(address indexed target);

    error NotMember(address who);
    error AlreadyMember(address who);
    error WasEvicted(address who);
    error BadJoinSignature();
    error NameTaken(string name);
    error InvalidName();
    error CannotEvictSelf();
    error AlreadyVoted();
    error NotAllowed();

    event Heartbeat(address indexed node);

    constructor(address joinAuthority_, uint64 livenessGrace_) {
        joinAuthority = joinAuthority_;
        livenessGrace = livenessGrace_;
        deployer = msg.sender;
    }

    /// Links the cluster's other contracts; only the deployer, only once.
    function link(address apps_, address events_, address reputation_) external {
        if (msg.sender != deployer || apps != address(0)) revert NotAllowed();
        apps = apps_;
        events = events_;
        reputation = reputation_;
    }

    /// Links the device directory; only the deployer, only once (separate from `link` so older clusters keep working).
    function linkDeviceDirectory(address directory_) external {
        if (msg.sender != deployer || deviceDirectory != address(0)) revert NotAllowed();
        deviceDirectory = directory_;
    }

    // ---- liveness ----------------------------------------------------------------------------

    function heartbeat() external onlyMember {
        lastSeen[msg.sender] = uint64(block.timestamp);
        heartbeats[msg.sender] += 1;
        emit Heartbeat(msg.sender);
    }

    /// The EventLogger counts a migration step as a sign of life.
    function touch(address node) external {
        if (msg.sender != events) revert NotAllowed();
        if (memberSet.contains(node)) lastSeen[node] = uint64(block.timestamp);
    }

    /// A member is alive while its last sign of life is at most `livenessGrace` seconds old.
    function isAlive(address who) public view returns (bool) {
        return memberSet.contains(who) && block.timestamp <= lastSeen[who] + livenessGrace;
    }

    modifier onlyMember() {
        if (!memberSet.contains(msg.sender)) revert NotMember(msg.sender);
        _;
    }

    // ---- admission and own record ------------------------------------------------------------

    /// Digest the join key signs (EIP-191 personal message) to admit `node` to this cluster on this chain.
    function admissionDigest(address node) public view returns (bytes32) {
        return keccak256(abi.encodePacked("edge-agent admission", block.chainid, address(this), node));
    }

    function register(
        string calldata name,
        Specs calldata specs,
        string[] calldata labels,
        string[] calldata endpoints,
        bytes calldata joinSignature
    ) external {
        if (memberSet.contains(msg.sender)) revert AlreadyMember(msg.sender);
        if (evicted[msg.sender]) revert WasEvicted(msg.sender);
        (address signer, ECDSA.RecoverError failure, ) = ECDSA.tryRecover(MessageHashUtils.toEthSignedMessageHash(admissionDigest(msg.sender)), joinSignature);
        if (failure != ECDSA.RecoverError.NoError || signer != joinAuthority) revert BadJoinSignature();
        claimName(name);
        memberSet.add(msg.sender);
        Node storage n = nodes[msg.sender];
        n.addr = msg.sender;
        n.joinedAt = uint64(block.number);
        lastSeen[msg.sender] = uint64(block.timestamp);
        writeRecord(n, name, specs, labels, endpoints);
        emit NodeRegistered(msg.sender, name);
    }

    /// Replaces the caller's own record; nobody can change another node's record.
    function update(
        string calldata name,
        Specs calldata specs,
        string[] calldata labels,
        string[] calldata endpoints
    ) external onlyMember {
        Node storage n = nodes[msg.sender];
        if (keccak256(bytes(n.name)) != keccak256(bytes(name))) {
            delete ownerOfName[keccak256(bytes(n.name))];
            claimName(name);
        }
        writeRecord(n, name, specs, labels, endpoints);
        emit NodeUpdated(msg.sender, name);
    }

    function leave() external onlyMember {
        removeMember(msg.sender);
        emit NodeLeft(msg.sender);
    }

    // ---- eviction by majority ----------------------------------------------------------------

    /// Votes needed to evict a member: a strict majority of the members other than the target.
    function evictionQuorum() public view returns (uint256) {
        return (memberSet.length() - 1) / 2 + 1;
    }

    function voteEvict(address target) external onlyMember {
        if (target == msg.sender) revert CannotEvictSelf();
        if (!memberSet.contains(target)) revert NotMember(target);
        address[] storage voters = evictionVotes[target];
        uint256 votes = 1; // the caller
        for (uint256 i = 0; i < voters.length; i++) {
            if (voters[i] == msg.sender) revert AlreadyVoted();
            if (memberSet.contains(voters[i])) votes++; // votes of former members no longer count
        }
        voters.push(msg.sender);
        uint256 needed = evictionQuorum();
        emit EvictionVoted(target, msg.sender, votes, needed);
        if (votes >= needed) {
            removeMember(target);
            evicted[target] = true;
            if (reputation != address(0)) IReputation(reputation).recordEviction(target);
            emit NodeEvicted(target);
        }
    }

    function evictionVotesFor(address target) external view returns (address[] memory) {
        return evictionVotes[target];
    }

    // ---- reads -------------------------------------------------------------------------------

    function isMember(address who) external view returns (bool) {
        return memberSet.contains(who);
    }

    function memberCount() external view returns (uint256) {
        return memberSet.length();
    }

    function members() external view returns (address[] memory) {
        return memberSet.values();
    }

    function getNode(address who) external view returns (Node memory) {
        if (!memberSet.contains(who)) revert NotMember(who);
        return nodes[who];
    }

    function allNodes() external view returns (Node[] memory out) {
        uint256 n = memberSet.length();
        out = new Node[](n);
        for (uint256 i = 0; i < n; i++) out[i] = nodes[memberSet.at(i)];
    }

    /// Every member with its liveness and reputation at this block: the one member-health read of every agent.
    function memberStatus() external view returns (MemberStatus[] memory out) {
        uint256 n = memberSet.length();
        out = new MemberStatus[](n);
        for (uint256 i = 0; i < n; i++) {
            address who = memberSet.at(i);
            out[i].node = nodes[who];
            out[i].lastSeen = lastSeen[who];
            out[i].alive = block.timestamp <= lastSeen[who] + livenessGrace;
            if (reputation != address(0)) out[i].reputation = Reputation(reputation).recordOf(who);
        }
    }

    /// Declared capacity for placement: CPU in millicores (cores × 1000) and memory in MB; zeros for non-members.
    function capacityOf(address who) external view returns (bool member, uint64 cpuMilli, uint64 memoryMB) {
        if (!memberSet.contains(who)) return (false, 0, 0);
        Specs storage s = nodes[who].specs;
        return (true, uint64(s.cpuCores) * 1000, s.memoryMB);
    }

    /// Whether `who` carries the label whose "key=value" hashes to `label`.
    function hasLabel(address who, bytes32 label) external view returns (bool) {
        return labelSet[who][label];
    }

    function nodeByName(string calldata name) external view returns (address) {
        return ownerOfName[keccak256(bytes(name))];
    }

    // ---- internals ---------------------------------------------------------------------------

    function claimName(string calldata name) private {
        if (bytes(name).length == 0 || bytes(name).length > 64) revert InvalidName();
        bytes32 key = keccak256(bytes(name));
        if (ownerOfName[key] != address(0)) revert NameTaken(name);
        ownerOfName[key] = msg.sender;
    }

    function writeRecord(
        Node storage n,
        string calldata name,
        Specs calldata specs,
        string[] calldata labels,
        string[] calldata endpoints
    ) private {
        for (uint256 i = 0; i < n.labels.length; i++) delete labelSet[n.addr][keccak256(bytes(n.labels[i]))];
        for (uint256 i = 0; i < labels.length; i++) labelSet[n.addr][keccak256(bytes(labels[i]))] = true;
        n.name = name;
        n.specs = specs;
        n.labels = labels;
        n.endpoints = endpoints;
        n.updatedAt = uint64(block.number);
    }

    function removeMember(address who) private {
        memberSet.remove(who);
        delete ownerOfName[keccak256(bytes(nodes[who].name))];
        string[] storage labels = nodes[who].labels;
        for (uint256 i = 0; i < labels.length; i++) delete labelSet[who][keccak256(bytes(labels[i]))];
        delete nodes[who];
        delete evictionVotes[who];
    }
}
