// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {SupplyChain} from "../../contracts/SupplyChain.sol";
import {ISupplyChain} from "../../contracts/ISupplyChain.sol";

/// The few cheatcodes these tests use (forge-std is not on npm; Hardhat's runner serves them).
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function warp(uint256 timestamp) external;
    function assume(bool condition) external;
}

abstract contract Cheats {
    Vm internal constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
}

/// Drives random sequences of lifecycle calls for the invariant tests and records what must
/// never change once a pack is destroyed, stolen, recalled or withdrawn, and what every undo of a
/// decommission must restore.
contract LifecycleHandler is Cheats {
    uint64 internal constant GTIN = 9521234543213;
    uint256 internal constant PACKS = 8;

    SupplyChain public immutable chain;
    address[4] public partners;
    address public immutable regulator = address(0xBEEF);
    bytes32[] public packIds;
    uint32[2] public lotIds;

    mapping(bytes32 packId => bool) public frozen;
    mapping(bytes32 packId => address) public frozenHolder;
    mapping(bytes32 packId => ISupplyChain.PackStatus) public frozenStatus;
    // Each pack as it was when the last pause began.
    mapping(bytes32 packId => bytes32 recordHash) public atPause;
    // Each decommissioned pack as the handler saw it decommissioned: status before, holder, time.
    mapping(bytes32 packId => ISupplyChain.PackStatus) public statusBefore;
    mapping(bytes32 packId => address) public decommissionedBy;
    mapping(bytes32 packId => uint256) public decommissionedAt;
    uint256 public undoCount;
    // Set when an undo broke a rule; the invariants require each to stay empty.
    string public undoViolation;

    constructor() {
        chain = new SupplyChain(address(this));
        partners = [address(0xA11CE), address(0xD157), address(0xFA11), address(0xFA12)];
        chain.grantRole(chain.MANUFACTURER_ROLE(), partners[0]);
        chain.grantRole(chain.DISTRIBUTOR_ROLE(), partners[1]);
        chain.grantRole(chain.PHARMACY_ROLE(), partners[2]);
        chain.grantRole(chain.PHARMACY_ROLE(), partners[3]);
        chain.grantRole(chain.REGULATOR_ROLE(), regulator);
        chain.grantRole(chain.REGISTRY_ROLE(), address(this));
        chain.grantRole(chain.PAUSER_ROLE(), regulator);
        chain.assignGtin(GTIN, partners[0]);
        VM.startPrank(partners[0]);
        chain.registerGtin(GTIN, "Fuzzed product");
        lotIds[0] = chain.registerLot(GTIN, chain.lotKeyOf(GTIN, "LOTA"), 991231);
        lotIds[1] = chain.registerLot(GTIN, chain.lotKeyOf(GTIN, "LOTB"), 991231);
        for (uint256 i = 0; i < PACKS; ++i) {
            string memory serial = string(abi.encodePacked("S", bytes1(uint8(65 + i))));
            bytes32 packId = chain.packIdOf(GTIN, serial, i % 2 == 0 ? "LOTA" : "LOTB", 991231);
            chain.commissionPack(lotIds[i % 2], packId);
            packIds.push(packId);
        }
        VM.stopPrank();
    }

    function packCount() external view returns (uint256) {
        return packIds.length;
    }

    function ship(uint256 packSeed, uint256 fromSeed, uint256 toSeed) external {
        bytes32 packId = packIds[packSeed % PACKS];
        VM.prank(partners[fromSeed % 4]);
        try chain.ship(packId, partners[toSeed % 4]) {} catch {}
        _record();
    }

    function receivePack(uint256 packSeed, uint256 bySeed) external {
        VM.prank(partners[bySeed % 4]);
        try chain.receivePack(packIds[packSeed % PACKS]) {} catch {}
        _record();
    }

    function dispense(uint256 packSeed, uint256 bySeed) external {
        bytes32 packId = packIds[packSeed % PACKS];
        ISupplyChain.PackRecord memory before = chain.packOf(packId);
        VM.prank(partners[bySeed % 4]);
        try chain.dispense(packId) returns (bool dispensed) {
            if (dispensed) _noteDecommission(packId, before);
        } catch {}
        _record();
    }

    function decommission(uint256 packSeed, uint256 bySeed, uint256 reasonSeed) external {
        bytes32 packId = packIds[packSeed % PACKS];
        ISupplyChain.PackRecord memory before = chain.packOf(packId);
        // Exported to Stolen.
        ISupplyChain.PackStatus reason = ISupplyChain.PackStatus(5 + reasonSeed % 7);
        VM.prank(partners[bySeed % 4]);
        try chain.decommission(packId, reason) returns (bool decommissioned) {
            if (decommissioned) _noteDecommission(packId, before);
        } catch {}
        _record();
    }

    function undo(uint256 packSeed, uint256 bySeed) external {
        bytes32 packId = packIds[packSeed % PACKS];
        address caller = partners[bySeed % 4];
        ISupplyChain.PackRecord memory before = chain.packOf(packId);
        VM.prank(caller);
        try chain.undoDecommission(packId) {
            ++undoCount;
            ISupplyChain.PackRecord memory restored = chain.packOf(packId);
            if (restored.status != statusBefore[packId]) undoViolation = "an undone pack is not in its previous status";
            if (restored.holder != before.holder || restored.lotId != before.lotId || restored.flags != before.flags) {
                undoViolation = "an undo changed more than the status";
            }
            if (caller != decommissionedBy[packId]) undoViolation = "an undo by another account";
            if (block.timestamp > decommissionedAt[packId] + chain.UNDO_WINDOW()) undoViolation = "an undo after the window";
            if (before.status == ISupplyChain.PackStatus.Destroyed || before.status == ISupplyChain.PackStatus.Stolen) {
                undoViolation = "a destroyed or stolen pack was undone";
            }
        } catch {}
        _record();
    }

    /// Moves the clock on by up to 12 days, so undos fall both inside and outside the window.
    function wait(uint256 secondsSeed) external {
        VM.warp(block.timestamp + secondsSeed % 12 days);
    }

    function hold(uint256 packSeed) external {
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = packIds[packSeed % PACKS];
        VM.prank(regulator);
        try chain.placeColdChainHold(ids, bytes32(0)) {} catch {}
        VM.prank(partners[0]);
        try chain.releaseColdChainHold(ids) {} catch {}
        _record();
    }

    function recall(uint256 lotSeed) external {
        VM.prank(regulator);
        try chain.recallLot(lotIds[lotSeed % 2]) {} catch {}
        _record();
    }

    function withdraw() external {
        VM.prank(partners[0]);
        try chain.withdrawGtin(GTIN) {} catch {}
        _record();
    }

    function togglePause() external {
        VM.prank(regulator);
        if (chain.paused()) {
            chain.unpause();
        } else {
            chain.pause();
            for (uint256 i = 0; i < PACKS; ++i) {
                atPause[packIds[i]] = recordHash(packIds[i]);
            }
        }
    }

    function recordHash(bytes32 packId) public view returns (bytes32) {
        return keccak256(abi.encode(chain.packOf(packId)));
    }

    function _noteDecommission(bytes32 packId, ISupplyChain.PackRecord memory before) private {
        statusBefore[packId] = before.status;
        decommissionedBy[packId] = before.holder;
        decommissionedAt[packId] = block.timestamp;
    }

    function _record() private {
        for (uint256 i = 0; i < PACKS; ++i) {
            bytes32 packId = packIds[i];
            ISupplyChain.PackRecord memory pack = chain.packOf(packId);
            if (frozen[packId]) {
                // The one change a recalled or withdrawn pack may still see: its holder destroys
                // (decommissions) it. After that it is frozen in that status.
                bool decommissioned = pack.status >= ISupplyChain.PackStatus.Dispensed;
                if (decommissioned && frozenStatus[packId] < ISupplyChain.PackStatus.Dispensed) {
                    frozenStatus[packId] = pack.status;
                }
                continue;
            }
            ISupplyChain.LotState lotState = chain.lotOf(pack.lotId).state;
            // A pack decommissioned otherwise may still be undone, so only these freeze it.
            bool final_ = pack.status == ISupplyChain.PackStatus.Destroyed || pack.status == ISupplyChain.PackStatus.Stolen;
            if (final_ || lotState != ISupplyChain.LotState.Active) {
                frozen[packId] = true;
                frozenHolder[packId] = pack.holder;
                frozenStatus[packId] = pack.status;
            }
        }
    }
}

contract SupplyChainInvariantTest {
    LifecycleHandler internal handler;

    function setUp() public {
        handler = new LifecycleHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Every commissioned pack has exactly one custodian, and it is a trading partner.
    function invariant_everyPackHasExactlyOneCustodian() public view {
        SupplyChain chain = handler.chain();
        for (uint256 i = 0; i < handler.packCount(); ++i) {
            address holder = chain.packOf(handler.packIds(i)).holder;
            bool known = false;
            for (uint256 p = 0; p < 4; ++p) {
                if (holder == handler.partners(p)) known = true;
            }
            require(known, "a pack's holder must be exactly one trading partner");
        }
    }

    /// While paused, no pack changes in any way.
    function invariant_pausedPacksNeverChange() public view {
        if (!handler.chain().paused()) return;
        for (uint256 i = 0; i < handler.packCount(); ++i) {
            bytes32 packId = handler.packIds(i);
            require(handler.recordHash(packId) == handler.atPause(packId), "a pack changed while paused");
        }
    }

    /// A destroyed, stolen, recalled or withdrawn pack never changes hands again and never returns
    /// to the supply (an undo is refused too); the only status changes left are the consignee
    /// acknowledging a pack already in transit and the holder decommissioning it (the handler
    /// then freezes that status).
    function invariant_frozenPacksNeverMove() public view {
        SupplyChain chain = handler.chain();
        for (uint256 i = 0; i < handler.packCount(); ++i) {
            bytes32 packId = handler.packIds(i);
            if (!handler.frozen(packId)) continue;
            ISupplyChain.PackRecord memory pack = chain.packOf(packId);
            require(pack.holder == handler.frozenHolder(packId), "a frozen pack changed holder");
            ISupplyChain.PackStatus was = handler.frozenStatus(packId);
            bool sameStatus = pack.status == was;
            bool acknowledged =
                was == ISupplyChain.PackStatus.InTransit && pack.status == ISupplyChain.PackStatus.Received;
            require(sameStatus || acknowledged, "a frozen pack changed status");
        }
    }

    /// Every undo restored exactly the status before the decommission, for the account that made
    /// it, within the window, never from Destroyed or Stolen, and changed nothing else.
    function invariant_undoRestoresExactlyThePreviousStatus() public view {
        require(bytes(handler.undoViolation()).length == 0, handler.undoViolation());
    }

    /// A decommissioned pack keeps the holder that decommissioned it.
    function invariant_decommissionedPacksKeepTheirHolder() public view {
        SupplyChain chain = handler.chain();
        for (uint256 i = 0; i < handler.packCount(); ++i) {
            bytes32 packId = handler.packIds(i);
            ISupplyChain.PackRecord memory pack = chain.packOf(packId);
            if (pack.status < ISupplyChain.PackStatus.Dispensed) continue;
            require(pack.holder == handler.decommissionedBy(packId), "a decommissioned pack changed holder");
            (, ISupplyChain.PackStatus previous,,) = chain.decommissionOf(packId);
            require(previous == handler.statusBefore(packId), "the recorded previous status is wrong");
        }
    }
}

contract SupplyChainFuzzTest is Cheats {
    uint64 internal constant GTIN = 9521234543213;
    address internal constant MANUFACTURER = address(0xA11CE);

    SupplyChain internal chain;
    uint32 internal lotId;

    function setUp() public {
        chain = new SupplyChain(address(this));
        chain.grantRole(chain.MANUFACTURER_ROLE(), MANUFACTURER);
        chain.grantRole(chain.REGISTRY_ROLE(), address(this));
        chain.assignGtin(GTIN, MANUFACTURER);
        VM.startPrank(MANUFACTURER);
        chain.registerGtin(GTIN, "Fuzzed product");
        lotId = chain.registerLot(GTIN, chain.lotKeyOf(GTIN, "LOTA"), 991231);
        VM.stopPrank();
    }

    /// A batch with one duplicate serial, wherever it sits, commissions nothing.
    function testFuzz_commissionPacks_commitsNothingWhenOneSerialIsADuplicate(uint8 size, uint8 duplicateAt) public {
        uint256 n = uint256(size % 40) + 2;
        uint256 dup = uint256(duplicateAt) % (n - 1) + 1;
        bytes32[] memory serials = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            serials[i] = _packId(string(abi.encodePacked("F", _digits(i))));
        }
        serials[dup] = serials[dup - 1];
        VM.prank(MANUFACTURER);
        try chain.commissionPacks(lotId, serials) {
            revert("a batch with a duplicate serial was accepted");
        } catch (bytes memory reason) {
            require(bytes4(reason) == ISupplyChain.PackAlreadyCommissioned.selector, "wrong revert reason");
        }
        for (uint256 i = 0; i < n; ++i) {
            require(
                chain.packOf(serials[i]).status == ISupplyChain.PackStatus.None,
                "a pack of a failed batch exists"
            );
        }
    }

    /// A valid batch commissions every serial, held by the manufacturer.
    function testFuzz_commissionPacks_commitsEverySerialOfAValidBatch(uint8 size) public {
        uint256 n = uint256(size % 40) + 1;
        bytes32[] memory serials = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            serials[i] = _packId(string(abi.encodePacked("G", _digits(i))));
        }
        VM.prank(MANUFACTURER);
        chain.commissionPacks(lotId, serials);
        for (uint256 i = 0; i < n; ++i) {
            ISupplyChain.PackRecord memory pack = chain.packOf(serials[i]);
            require(pack.holder == MANUFACTURER && pack.status == ISupplyChain.PackStatus.Commissioned, "pack missing");
        }
    }

    /// Any 14-digit number is accepted as a GTIN exactly when its last digit is the GS1 check digit.
    function testFuzz_assignGtin_acceptsExactlyValidCheckDigits(uint64 seed) public {
        uint64 gtin = seed % 100_000_000_000_000;
        VM.assume(gtin != 0);
        uint256 rest = gtin / 10;
        uint256 sum = 0;
        for (uint256 i = 0; i < 13; ++i) {
            sum += (rest % 10) * (i % 2 == 0 ? 3 : 1);
            rest /= 10;
        }
        bool valid = gtin % 10 == (10 - (sum % 10)) % 10;
        try chain.assignGtin(gtin, MANUFACTURER) {
            require(valid, "accepted a wrong check digit");
        } catch (bytes memory reason) {
            bytes4 selector = bytes4(reason);
            require(
                (!valid && selector == ISupplyChain.GtinCheckDigitInvalid.selector)
                    || (gtin == GTIN && selector == ISupplyChain.GtinAlreadyAssigned.selector),
                "rejected a valid GTIN"
            );
        }
    }

    /// A GTIN holds at most MAX_LOTS_PER_GTIN lots, so its withdrawal stays bounded.
    function test_registerLot_revertsAtTheLotLimit() public {
        uint256 limit = chain.MAX_LOTS_PER_GTIN();
        VM.startPrank(MANUFACTURER);
        for (uint256 i = 1; i < limit; ++i) {
            chain.registerLot(GTIN, keccak256(abi.encode(GTIN, string(abi.encodePacked("L", _digits(i))))), 991231);
        }
        try chain.registerLot(GTIN, keccak256("ONEMORE"), 991231) {
            revert("lot above the limit accepted");
        } catch (bytes memory reason) {
            require(bytes4(reason) == ISupplyChain.GtinLotLimitReached.selector, "wrong revert reason");
        }
        chain.withdrawGtin(GTIN);
        VM.stopPrank();
        require(chain.lotOf(uint32(limit)).state == ISupplyChain.LotState.Withdrawn, "last lot not withdrawn");
    }

    /// At most MAX_TRADING_PARTNERS accounts hold partner roles, so a recall stays bounded.
    function test_grantRole_revertsAtTheTradingPartnerLimit() public {
        uint256 limit = chain.MAX_TRADING_PARTNERS();
        bytes32 role = chain.DISTRIBUTOR_ROLE();
        for (uint256 i = 1; i < limit; ++i) {
            chain.grantRole(role, address(uint160(0x10000 + i)));
        }
        try chain.grantRole(role, address(0xFFFFF)) {
            revert("partner above the limit accepted");
        } catch (bytes memory reason) {
            require(bytes4(reason) == ISupplyChain.TradingPartnerLimitReached.selector, "wrong revert reason");
        }
        // A second partner role of an existing partner does not count again.
        chain.grantRole(chain.PHARMACY_ROLE(), MANUFACTURER);
    }

    /// The commitment of a pack of lot LOTA, as {SupplyChain-packIdOf} computes it.
    function _packId(string memory serial) private pure returns (bytes32) {
        return keccak256(abi.encode(GTIN, serial, "LOTA", uint24(991231)));
    }

    function _digits(uint256 value) private pure returns (bytes memory out) {
        out = new bytes(4);
        for (uint256 i = 4; i > 0; --i) {
            out[i - 1] = bytes1(uint8(48 + (value % 10)));
            value /= 10;
        }
    }
}
