// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl, IAccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {AccessControlEnumerable} from "@openzeppelin/contracts/access/extensions/AccessControlEnumerable.sol";

interface IMembers {
    function isMember(address who) external view returns (bool);
    function evicted(address who) external view returns (bool);
}

/// @title The operators of one edge-agent cluster: the people's keys, kept apart from the nodes' keys (seed 002).
/// @notice Each operator has one role: Admin (manages operators, and later members and policy), Deployer (changes
/// apps), Viewer (signs nothing). Roles are OpenZeppelin AccessControl roles (Admin is DEFAULT_ADMIN_ROLE), so
/// `grantRole`/`revokeRole`/`renounceRole` work too and keep the same rules: a node key (a member, or an evicted one)
/// never gets a role, and the last admin cannot lose the role. The AppRegistry asks `canChangeApps`.
contract Operators is AccessControlEnumerable {
    string public constant KIND = "edge-agent/Operators";

    bytes32 public constant DEPLOYER_ROLE = keccak256("edge-agent.deployer");
    bytes32 public constant VIEWER_ROLE = keccak256("edge-agent.viewer");

    enum Role {
        None,
        Viewer,
        Deployer,
        Admin
    }

    IMembers public immutable devices;

    event OperatorSet(address indexed operator, Role role, address indexed by);

    error LastAdmin();
    error NodeKey(address who);
    error NoRole();
    error ZeroAddress();
    error SameRole();

    constructor(address devices_, address firstAdmin) {
        devices = IMembers(devices_);
        _grantRole(DEFAULT_ADMIN_ROLE, firstAdmin);
        emit OperatorSet(firstAdmin, Role.Admin, msg.sender);
    }

    /// Gives `who` exactly `role` (an admin only): the other roles it held are revoked.
    function setRole(address who, Role role) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (role == Role.None) revert NoRole();
        if (holdsOnly(who, role)) revert SameRole(); // nothing would change
        bytes32 wanted = roleId(role);
        _grantRole(wanted, who);
        for (uint8 r = uint8(Role.Viewer); r <= uint8(Role.Admin); r++) {
            bytes32 other = roleId(Role(r));
            if (other != wanted) _revokeRole(other, who);
        }
        emit OperatorSet(who, role, msg.sender);
    }

    /// Takes every role from `who` (an admin only; not the last admin; `who` must hold one).
    function removeOperator(address who) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (roleOf(who) == Role.None) revert NoRole();
        for (uint8 r = uint8(Role.Viewer); r <= uint8(Role.Admin); r++) _revokeRole(roleId(Role(r)), who);
        emit OperatorSet(who, Role.None, msg.sender);
    }

    /// The highest role `who` holds.
    function roleOf(address who) public view returns (Role) {
        if (hasRole(DEFAULT_ADMIN_ROLE, who)) return Role.Admin;
        if (hasRole(DEPLOYER_ROLE, who)) return Role.Deployer;
        if (hasRole(VIEWER_ROLE, who)) return Role.Viewer;
        return Role.None;
    }

    /// Deployers and admins may deploy, scale and remove any app.
    function canChangeApps(address who) external view returns (bool) {
        return hasRole(DEFAULT_ADMIN_ROLE, who) || hasRole(DEPLOYER_ROLE, who);
    }

    /// Every operator with its highest role (admins first, then deployers, then viewers; each once).
    function list() external view returns (address[] memory who, Role[] memory roles) {
        uint256 n = getRoleMemberCount(DEFAULT_ADMIN_ROLE) + getRoleMemberCount(DEPLOYER_ROLE) + getRoleMemberCount(VIEWER_ROLE);
        who = new address[](n);
        roles = new Role[](n);
        uint256 k = 0;
        for (uint8 r = uint8(Role.Admin); r >= uint8(Role.Viewer); r--) {
            bytes32 id = roleId(Role(r));
            for (uint256 i = 0; i < getRoleMemberCount(id); i++) {
                address a = getRoleMember(id, i);
                if (uint8(roleOf(a)) != r) continue; // listed under its higher role
                who[k] = a;
                roles[k] = Role(r);
                k++;
            }
        }
        assembly {
            mstore(who, k)
            mstore(roles, k)
        }
    }

    function holdsOnly(address who, Role role) private view returns (bool) {
        for (uint8 r = uint8(Role.Viewer); r <= uint8(Role.Admin); r++) {
            if (hasRole(roleId(Role(r)), who) != (r == uint8(role))) return false;
        }
        return true;
    }

    function roleId(Role role) public pure returns (bytes32) {
        if (role == Role.Admin) return DEFAULT_ADMIN_ROLE;
        if (role == Role.Deployer) return DEPLOYER_ROLE;
        if (role == Role.Viewer) return VIEWER_ROLE;
        revert NoRole();
    }

    /// AccessControl's own: only a holder of `role` renounces it (no empty no-op for anyone else).
    function renounceRole(bytes32 role, address callerConfirmation) public override(AccessControl, IAccessControl) {
        if (!hasRole(role, msg.sender)) revert AccessControlUnauthorizedAccount(msg.sender, role);
        super.renounceRole(role, callerConfirmation);
    }

    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if (account == address(0)) revert ZeroAddress();
        if (devices.isMember(account) || devices.evicted(account)) revert NodeKey(account);
        return super._grantRole(role, account);
    }

    function _revokeRole(bytes32 role, address account) internal override returns (bool) {
        if (role == DEFAULT_ADMIN_ROLE && hasRole(role, account) && getRoleMemberCount(role) == 1) revert LastAdmin();
        return super._revokeRole(role, account);
    }
}
