// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

interface IMembership {
    function isMember(address who) external view returns (bool);
}

/// @title Directory of the constrained devices (MQTT sensors and actuators) the cluster's fog nodes proxy.
/// @notice A device is registered under the fog node that added it; only that node changes or removes it.
/// The credential is a high-entropy secret shown once to the operator; only sha256(salt || secret) is stored,
/// so any member can check a device's login (which is what lets a device fail over to another agent).
/// The desired twin is cluster state: any member may set it (an app or an operator on any node, and the agent
/// a device failed over to). Any member that relayed a device's telemetry records the Merkle root of each batch,
/// many devices in one transaction.
contract DeviceDirectory {
    using EnumerableSet for EnumerableSet.Bytes32Set;

    string public constant KIND = "edge-agent/DeviceDirectory";

    struct Device {
        string id;
        address node; // the fog node that registered it and owns it
        string deviceType;
        string[] labels; // "key=value"
        bytes16 credentialSalt;
        bytes32 credentialHash; // sha256(salt || secret)
        string desired; // desired twin properties, a JSON object
        uint64 desiredVersion;
        uint64 addedAt; // block number
    }

    IMembership public immutable registry;
    /// Bumped on every change of a device (add, remove, credential, desired): agents poll this one word.
    uint64 public revision;

    EnumerableSet.Bytes32Set private keys;
    mapping(bytes32 => Device) private devices;
    /// device key => Merkle root => block it was recorded in (0: never).
    mapping(bytes32 => mapping(bytes32 => uint64)) public rootBlock;

    event DeviceAdded(bytes32 indexed key, string id, address indexed node);
    event DeviceRemoved(bytes32 indexed key, string id, address indexed node);
    event CredentialChanged(bytes32 indexed key, string id);
    event DesiredSet(bytes32 indexed key, string id, uint64 version, address indexed by);
    event TelemetryRoot(bytes32 indexed key, bytes32 root, uint32 messages, address indexed relayedBy);

    error NotMember(address who);
    error DeviceExists(string id);
    error NoSuchDevice(bytes32 key);
    error NotOwner(string id, address owner);
    error InvalidId();
    error LengthMismatch();

    constructor(address registry_) {
        registry = IMembership(registry_);
    }

    modifier onlyMember() {
        if (!registry.isMember(msg.sender)) revert NotMember(msg.sender);
        _;
    }

    function keyOf(string memory id) public pure returns (bytes32) {
        return keccak256(bytes(id));
    }

    function add(string calldata id, string calldata deviceType, string[] calldata labels, bytes16 salt, bytes32 credentialHash) external onlyMember {
        if (bytes(id).length == 0 || bytes(id).length > 64) revert InvalidId();
        bytes32 key = keyOf(id);
        if (!keys.add(key)) revert DeviceExists(id);
        Device storage d = devices[key];
        d.id = id;
        d.node = msg.sender;
        d.deviceType = deviceType;
        d.labels = labels;
        d.credentialSalt = salt;
        d.credentialHash = credentialHash;
        d.desired = "{}";
        d.addedAt = uint64(block.number);
        revision += 1;
        emit DeviceAdded(key, id, msg.sender);
    }

    /// Deregisters the device and so revokes its credential everywhere.
    function remove(string calldata id) external onlyMember {
        bytes32 key = ownedBy(id, msg.sender);
        keys.remove(key);
        delete devices[key];
        revision += 1;
        emit DeviceRemoved(key, id, msg.sender);
    }

    function setCredential(string calldata id, bytes16 salt, bytes32 credentialHash) external onlyMember {
        bytes32 key = ownedBy(id, msg.sender);
        devices[key].credentialSalt = salt;
        devices[key].credentialHash = credentialHash;
        revision += 1;
        emit CredentialChanged(key, id);
    }

    function setDesired(string calldata id, string calldata desiredJson) external onlyMember {
        bytes32 key = keyOf(id);
        if (!keys.contains(key)) revert NoSuchDevice(key);
        Device storage d = devices[key];
        d.desired = desiredJson;
        d.desiredVersion += 1;
        revision += 1;
        emit DesiredSet(key, id, d.desiredVersion, msg.sender);
    }

    /// One transaction per batching interval for every device this node relayed telemetry for.
    function recordRoots(bytes32[] calldata deviceKeys, bytes32[] calldata roots, uint32[] calldata counts) external onlyMember {
        if (deviceKeys.length != roots.length || roots.length != counts.length) revert LengthMismatch();
        if (deviceKeys.length == 0) revert LengthMismatch(); // nothing to record: refused, not a no-op
        for (uint256 i = 0; i < deviceKeys.length; i++) {
            if (!keys.contains(deviceKeys[i])) revert NoSuchDevice(deviceKeys[i]);
            rootBlock[deviceKeys[i]][roots[i]] = uint64(block.number);
            emit TelemetryRoot(deviceKeys[i], roots[i], counts[i], msg.sender);
        }
    }

    function get(string calldata id) external view returns (Device memory) {
        bytes32 key = keyOf(id);
        if (!keys.contains(key)) revert NoSuchDevice(key);
        return devices[key];
    }

    function all() external view returns (Device[] memory out) {
        uint256 n = keys.length();
        out = new Device[](n);
        for (uint256 i = 0; i < n; i++) out[i] = devices[keys.at(i)];
    }

    function count() external view returns (uint256) {
        return keys.length();
    }

    function ownedBy(string calldata id, address who) private view returns (bytes32 key) {
        key = keyOf(id);
        if (!keys.contains(key)) revert NoSuchDevice(key);
        address owner = devices[key].node;
        if (owner != who) revert NotOwner(id, owner);
    }
}
