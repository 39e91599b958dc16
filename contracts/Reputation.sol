// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

interface IClusterLinks {
    function apps() external view returns (address);
    function events() external view returns (address);
}

/// @title Distributed Reputation System (HIDRA's DRS) for one edge-agent cluster.
/// @notice Moved by outcomes only, never by self-reports: the EventLogger records a solver that confirmed in time (+)
/// or let its turn pass (−), the AppRegistry a replica that failed right after it was migrated (−), the
/// DeviceRegistry an eviction (−). Each outcome also updates the node's recent average credit (seed 002):
/// RAC_new = RAC_old·d(t) + (1 − d(t))·credit with d(t) = 2^(−t / one week), credit 10 for a success and 0 for a
/// failure, fixed point ×1e6. Agents combine these with static data into the score (see lib/workflow/reputation.ts).
contract Reputation {
    struct Record {
        uint32 confirmed;
        uint32 timedOut;
        uint32 failedAfterMigration;
        uint32 evictions;
        uint64 rac; // ×1e6, 0..10e6
        uint64 racAt; // block timestamp of the last update; 0 = no outcome yet (RAC counts as neutral 5)
    }

    uint64 public constant HALF_LIFE = 604800; // one week, in seconds
    uint64 public constant SCALE = 1e6;
    uint64 public constant SUCCESS_CREDIT = 10 * SCALE;
    uint64 public constant NEUTRAL_RAC = 5 * SCALE;
    uint64 public constant MAX_CARRY = (SCALE * 9) / 10; // an outcome always weighs at least 10 %

    address public immutable devices;
    mapping(address => Record) private records;

    event Outcome(address indexed node, string kind, uint64 rac);

    error NotAllowed();

    constructor(address devices_) {
        devices = devices_;
    }

    function recordConfirmed(address node) external {
        if (msg.sender != IClusterLinks(devices).events()) revert NotAllowed();
        records[node].confirmed += 1;
        credit(node, SUCCESS_CREDIT, "confirmed");
    }

    function recordTimedOut(address node) external {
        if (msg.sender != IClusterLinks(devices).events()) revert NotAllowed();
        records[node].timedOut += 1;
        credit(node, 0, "timed-out");
    }

    function recordFailedAfterMigration(address node) external {
        if (msg.sender != IClusterLinks(devices).apps()) revert NotAllowed();
        records[node].failedAfterMigration += 1;
        credit(node, 0, "failed-after-migration");
    }

    function recordEviction(address node) external {
        if (msg.sender != devices) revert NotAllowed();
        records[node].evictions += 1;
        credit(node, 0, "evicted");
    }

    function recordOf(address node) external view returns (Record memory) {
        return records[node];
    }

    /// RAC after the last outcome (neutral before any), ×1e6.
    function racNow(address node) external view returns (uint64) {
        Record storage r = records[node];
        return r.racAt == 0 ? NEUTRAL_RAC : r.rac;
    }

    function credit(address node, uint64 value, string memory kind) private {
        Record storage r = records[node];
        uint64 old = r.racAt == 0 ? NEUTRAL_RAC : r.rac;
        // The first outcome weighs half against the neutral prior; later ones by the time since the previous, but at
        // least a tenth, so outcomes in quick succession (a failure right after a success) still move the RAC.
        uint64 d = r.racAt == 0 ? SCALE / 2 : decay(uint64(block.timestamp) - r.racAt);
        if (d > MAX_CARRY) d = MAX_CARRY;
        r.rac = uint64((uint256(old) * d + uint256(SCALE - d) * value) / SCALE);
        r.racAt = uint64(block.timestamp);
        emit Outcome(node, kind, r.rac);
    }

    /// d(t) = 2^(−t/HALF_LIFE) ×1e6: whole half-lives by shifting, the fraction by a 4-term series (error < 0.3 %).
    function decay(uint64 t) public pure returns (uint64) {
        uint64 halvings = t / HALF_LIFE;
        if (halvings >= 40) return 0;
        uint256 f = (uint256(t % HALF_LIFE) * SCALE) / HALF_LIFE; // fraction ×1e6
        // 2^(−f) = e^(−f·ln2) ≈ 1 − 0.693147f + 0.240227f² − 0.055504f³ + 0.009618f⁴
        int256 x = int256(f);
        int256 s = int256(uint256(SCALE));
        int256 v = s - (693147 * x) / s + (240227 * x * x) / (s * s) - (55504 * x * x * x) / (s * s * s) + (9618 * x * x * x * x) / (s * s * s * s);
        return uint64(uint256(v) >> halvings);
    }
}
