// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ISupplyChain} from "./ISupplyChain.sol";

/// @title SupplyChain
/// @notice rxtrace's pack lifecycle on an EVM chain. See {ISupplyChain} for the rules.
/// @dev Gas layout. A pack is one storage slot (holder, lot, status, flags, expiry day, recall
/// epoch); a lot is one slot (manufacturer, GTIN, expiry, state); a trading partner is one slot
/// (role bits, recall epoch, list index, pause copy). A ship reads the pack and the consignee's
/// partner slot and writes the pack; a receive reads the receiver's partner slot and reads and
/// writes the pack. To keep the lot and the holder's role out of that path, every recall or
/// withdrawal advances the low half of an epoch and every revocation the high half, and the epoch
/// is copied into each partner slot (at most MAX_TRADING_PARTNERS): a pack whose recorded epoch
/// equals the consignee's has seen neither since it last moved; otherwise the ship reads the lot,
/// the holder's role, or both. A GTIN withdrawal is copied onto its lots (at most
/// MAX_LOTS_PER_GTIN) for the same reason.
/// An emergency pause stops every state-changing function except the admin's role grants and
/// revocations (so a leaked key can still be revoked while paused); views and {verify} keep
/// answering. The pause is copied into each partner slot, the one slot ship already reads and
/// receive reads for the receiver's current role, so the hot path pays no extra read for it.
contract SupplyChain is ISupplyChain, AccessControlDefaultAdminRules {
    bytes32 public constant MANUFACTURER_ROLE = keccak256("MANUFACTURER_ROLE");
    bytes32 public constant DISTRIBUTOR_ROLE = keccak256("DISTRIBUTOR_ROLE");
    bytes32 public constant PHARMACY_ROLE = keccak256("PHARMACY_ROLE");
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");
    /// @notice The account (the rxtrace gateway) that anchors another ledger's block hashes.
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");
    /// @notice The GTIN registry (GS1's role): assigns GTINs to manufacturers and moves them to a new key.
    bytes32 public constant REGISTRY_ROLE = keccak256("REGISTRY_ROLE");
    /// @notice May pause and unpause every state-changing function (an emergency stop).
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice Largest batch of packs one call takes (500 commissions stay far under the 2^24
    /// per-transaction gas cap of EIP-7825).
    uint256 public constant MAX_BATCH = 500;
    /// @notice Delay before a new admin accepted by {beginDefaultAdminTransfer} may take over (two-step transfer).
    uint48 public constant ADMIN_TRANSFER_DELAY = 2 days;
    /// @notice Most lots one GTIN may hold, so that {withdrawGtin} stays under the per-transaction gas cap.
    uint256 public constant MAX_LOTS_PER_GTIN = 1000;
    /// @notice Most accounts holding a trading-partner role, so that a recall or withdrawal stays under
    /// the per-transaction gas cap (at both limits: recall 3.8M gas, withdrawal 11.3M).
    uint256 public constant MAX_TRADING_PARTNERS = 500;
    /// @notice Largest forward step of one block anchor, so one anchorer key cannot push a ledger's
    /// head out of reach of the real blocks.
    uint64 public constant MAX_ANCHOR_STEP = 1_000_000;
    /// @notice How long after a decommission its undo is accepted (inclusive), as in the chaincode.
    uint256 public constant UNDO_WINDOW = 10 days;

    uint256 private constant MAX_PRODUCT_NAME_LENGTH = 64;
    uint256 private constant MAX_CID_LENGTH = 128;

    // Bit c set when ASCII character c is allowed.
    // Printable ASCII, space to tilde.
    uint256 private constant PRINTABLE_ASCII = (uint256(1) << 127) - (uint256(1) << 32);
    // 0-9 A-Z a-z: every multibase alphabet an IPFS CID uses (base32, base36, base58btc).
    uint256 private constant ALPHANUMERIC = 0x7fffffe07fffffe03ff000000000000;

    uint8 private constant HOLD_BIT = uint8(1) << uint8(PackFlag.ColdChainHold);
    uint8 private constant SUSPECT_BIT = uint8(1) << uint8(PackFlag.Suspect);
    uint8 private constant ILLEGITIMATE_BIT = uint8(1) << uint8(PackFlag.Illegitimate);
    uint8 private constant QUARANTINED_BIT = uint8(1) << uint8(PackFlag.Quarantined);
    // The low half of the flags byte holds the PackFlag bits; while a pack is decommissioned the
    // high half holds its status before the decommission (what an undo restores).
    uint8 private constant FLAG_BITS = 0x0f;
    uint8 private constant PREVIOUS_STATUS_SHIFT = 4;

    // Bit offsets of the fields of a stored pack word (see _encodePack).
    uint256 private constant LOT_SHIFT = 160;
    uint256 private constant STATUS_SHIFT = 192;
    uint256 private constant FLAGS_SHIFT = 200;
    uint256 private constant EXPIRY_DAY_SHIFT = 208;
    uint256 private constant EPOCH_SHIFT = 224;
    uint256 private constant STATUS_MASK = uint256(0xff) << STATUS_SHIFT;
    // lotId, flags and expiryDay: what a shipment keeps.
    uint256 private constant LOT_FLAGS_EXPIRY_MASK =
        ((uint256(1) << EPOCH_SHIFT) - 1) & ~((uint256(1) << LOT_SHIFT) - 1) & ~STATUS_MASK;

    uint8 private constant MANUFACTURER_BIT = 1;
    uint8 private constant DISTRIBUTOR_BIT = 2;
    uint8 private constant PHARMACY_BIT = 4;

    struct PartnerRecord {
        uint8 roleBits;
        uint32 recallEpoch;
        uint32 listIndex;
        // A copy of paused(), so ship and receive learn it from the partner slot they read anyway.
        bool paused;
    }

    struct DocumentAnchor {
        address anchoredBy;
        uint64 anchoredAt;
    }

    struct ShipmentException {
        uint40 recordedAt;
        uint16 missing;
        uint16 unexpected;
    }

    struct LedgerHead {
        bool exists;
        uint64 latestBlock;
    }

    // Packs are stored as one word each (layout of PackRecord, see _encodePack) so that ship and
    // receive read and write the slot exactly once.
    mapping(bytes32 packId => uint256 packWord) private _packs;
    mapping(uint32 lotId => LotRecord) private _lots;
    mapping(bytes32 lotKey => uint32 lotId) private _lotIds;
    mapping(uint64 gtin => GtinRecord) private _gtins;
    mapping(uint64 gtin => address manufacturer) private _gtinAssignees;
    // A manufacturer's old key => the key a GTIN transfer moved its GTINs to.
    mapping(address oldKey => address newKey) private _successors;
    mapping(uint64 gtin => mapping(uint256 index => uint32 lotId)) private _gtinLots;
    // Kept beside AccessControl so one read answers "is a partner" and "which recall epoch".
    mapping(address account => PartnerRecord) private _partners;
    address[] private _partnerList;
    mapping(bytes32 subject => mapping(bytes32 sha256Digest => DocumentAnchor)) private _documents;
    mapping(bytes32 ledgerId => LedgerHead) private _ledgerHeads;
    mapping(address consignee => mapping(bytes32 shipmentId => ShipmentException)) private _shipmentExceptions;
    mapping(bytes32 ledgerId => mapping(uint64 blockNumber => bytes32 blockHash)) private _blockHashes;
    // One slot: a commission reads the recall epoch and the pause flag together.
    uint32 private _lotCount;
    uint32 private _recallEpoch;
    bool private _paused;

    // A call, not inlined code: sixteen inlined copies would not fit the 24 KB code size limit.
    modifier whenNotPaused() {
        _requireNotPaused();
        _;
    }

    /// @param admin The account that grants and revokes every role; it moves to another account only in
    /// two steps (begin, then accept after ADMIN_TRANSFER_DELAY), never to the zero address.
    constructor(address admin) AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin) {}

    // ---------------------------------------------------------------- emergency pause

    /// @inheritdoc ISupplyChain
    function pause() external onlyRole(PAUSER_ROLE) whenNotPaused {
        _setPaused(true);
        emit Paused(msg.sender);
    }

    /// @inheritdoc ISupplyChain
    function unpause() external onlyRole(PAUSER_ROLE) {
        if (!_paused) revert ExpectedPause();
        _setPaused(false);
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc ISupplyChain
    function paused() public view returns (bool) {
        return _paused;
    }

    // ---------------------------------------------------------------- products and lots

    /// @inheritdoc ISupplyChain
    function assignGtin(uint64 gtin, address manufacturer) external whenNotPaused onlyRole(REGISTRY_ROLE) {
        _requireValidGtin(gtin);
        if (!hasRole(MANUFACTURER_ROLE, manufacturer)) revert NotManufacturer(manufacturer);
        address assignee = _gtinAssignees[gtin];
        if (assignee != address(0)) revert GtinAlreadyAssigned(gtin, assignee);

        _gtinAssignees[gtin] = manufacturer;
        emit GtinAssigned(gtin, manufacturer, msg.sender);
    }

    /// @inheritdoc ISupplyChain
    function transferGtin(uint64 gtin, address to) external whenNotPaused onlyRole(REGISTRY_ROLE) {
        address from = _gtinAssignees[gtin];
        if (from == address(0)) revert GtinNotAssigned(gtin, to);
        if (from == to) revert GtinAlreadyAssignedTo(gtin, to);
        if (!hasRole(MANUFACTURER_ROLE, to)) revert NotManufacturer(to);

        _gtinAssignees[gtin] = to;
        _successors[from] = to;
        GtinRecord storage product = _gtins[gtin];
        if (product.manufacturer != address(0)) product.manufacturer = to;
        uint256 lotCount = product.lotCount;
        for (uint256 i = 0; i < lotCount; ++i) {
            _lots[_gtinLots[gtin][i]].manufacturer = to;
        }
        emit GtinTransferred(gtin, from, to);
    }

    /// @inheritdoc ISupplyChain
    function takeOverPacks(bytes32[] calldata packIds) external whenNotPaused onlyRole(MANUFACTURER_ROLE) {
        _requireBatchSize(packIds.length);
        for (uint256 i = 0; i < packIds.length; ++i) {
            bytes32 packId = packIds[i];
            PackRecord memory pack = _existingPack(packId);
            if (_successors[pack.holder] != msg.sender || _lots[pack.lotId].manufacturer != msg.sender) {
                revert NotSuccessorOfHolder(packId, pack.holder, msg.sender);
            }
            if (pack.status != PackStatus.Commissioned && pack.status != PackStatus.Received) {
                revert InvalidTransition(packId, pack.status, pack.status);
            }
            pack.holder = msg.sender;
            _packs[packId] = _encodePack(pack);
            emit PackTakenOver(packId, msg.sender);
        }
    }

    /// @inheritdoc ISupplyChain
    function registerGtin(uint64 gtin, string calldata productName) external whenNotPaused onlyRole(MANUFACTURER_ROLE) {
        _requireValidGtin(gtin);
        _requireText(Field.ProductName, productName, MAX_PRODUCT_NAME_LENGTH, PRINTABLE_ASCII);
        if (_gtinAssignees[gtin] != msg.sender) revert GtinNotAssigned(gtin, msg.sender);
        address registeredBy = _gtins[gtin].manufacturer;
        if (registeredBy != address(0)) revert GtinAlreadyRegistered(gtin, registeredBy);

        _gtins[gtin] = GtinRecord({manufacturer: msg.sender, withdrawn: false, lotCount: 0});
        emit GtinRegistered(gtin, msg.sender, productName);
    }

    /// @inheritdoc ISupplyChain
    function registerLot(uint64 gtin, bytes32 lotKey, uint24 expiry)
        external
        whenNotPaused
        onlyRole(MANUFACTURER_ROLE)
        returns (uint32 lotId)
    {
        GtinRecord memory product = _gtins[gtin];
        if (product.manufacturer == address(0)) revert GtinNotRegistered(gtin);
        if (product.manufacturer != msg.sender) revert NotGtinManufacturer(gtin, msg.sender);
        if (product.withdrawn) revert GtinAlreadyWithdrawn(gtin);
        if (product.lotCount >= MAX_LOTS_PER_GTIN) revert GtinLotLimitReached(gtin, MAX_LOTS_PER_GTIN);
        if (lotKey == bytes32(0)) revert InvalidCommitment();
        uint16 expiryDay = _expiryDay(expiry);
        if (expiryDay < _today()) revert LotExpired(gtin, expiry);
        if (_lotIds[lotKey] != 0) revert LotAlreadyRegistered(gtin, _lotIds[lotKey]);

        lotId = ++_lotCount;
        _lotIds[lotKey] = lotId;
        _lots[lotId] = LotRecord({
            manufacturer: msg.sender,
            gtin: uint48(gtin),
            expiry: expiry,
            expiryDay: expiryDay,
            state: LotState.Active
        });
        _gtinLots[gtin][product.lotCount] = lotId;
        _gtins[gtin].lotCount = product.lotCount + 1;
        emit LotRegistered(lotId, gtin, lotKey);
    }

    /// @inheritdoc ISupplyChain
    function recallLot(uint32 lotId) external whenNotPaused {
        LotRecord storage lot = _lots[lotId];
        LotState state = lot.state;
        if (state == LotState.None) revert LotNotRegistered(lotId);
        _requireManufacturerOrRegulator(lot.manufacturer);
        if (state == LotState.Recalled) revert LotAlreadyRecalled(lotId);

        lot.state = LotState.Recalled;
        _advanceRecallEpoch(false);
        emit LotRecalled(lotId, msg.sender);
    }

    /// @inheritdoc ISupplyChain
    function withdrawGtin(uint64 gtin) external whenNotPaused {
        GtinRecord storage product = _gtins[gtin];
        if (product.manufacturer == address(0)) revert GtinNotRegistered(gtin);
        _requireManufacturerOrRegulator(product.manufacturer);
        if (product.withdrawn) revert GtinAlreadyWithdrawn(gtin);

        product.withdrawn = true;
        uint256 lotCount = product.lotCount;
        for (uint256 i = 0; i < lotCount; ++i) {
            LotRecord storage lot = _lots[_gtinLots[gtin][i]];
            // A recalled lot keeps its recall; both states are final and both block.
            if (lot.state == LotState.Active) lot.state = LotState.Withdrawn;
        }
        _advanceRecallEpoch(false);
        emit GtinWithdrawn(gtin, msg.sender);
    }

    // ---------------------------------------------------------------- packs

    /// @inheritdoc ISupplyChain
    function commissionPack(uint32 lotId, bytes32 packId) external whenNotPaused onlyRole(MANUFACTURER_ROLE) {
        LotRecord memory lot = _lotOpenForPacks(lotId);
        _commission(lotId, lot, _recallEpoch, packId);
    }

    /// @inheritdoc ISupplyChain
    function commissionPacks(uint32 lotId, bytes32[] calldata packIds) external whenNotPaused onlyRole(MANUFACTURER_ROLE) {
        _requireBatchSize(packIds.length);
        LotRecord memory lot = _lotOpenForPacks(lotId);
        uint32 recallEpoch = _recallEpoch;
        for (uint256 i = 0; i < packIds.length; ++i) {
            _commission(lotId, lot, recallEpoch, packIds[i]);
        }
    }

    /// @inheritdoc ISupplyChain
    function ship(bytes32 packId, address consignee) external {
        _ship(packId, consignee, _tradingPartnerEpoch(consignee));
    }

    /// @inheritdoc ISupplyChain
    function shipBatch(bytes32[] calldata packIds, address consignee) external {
        _requireBatchSize(packIds.length);
        uint32 recallEpoch = _tradingPartnerEpoch(consignee);
        for (uint256 i = 0; i < packIds.length; ++i) {
            _ship(packIds[i], consignee, recallEpoch);
        }
    }

    /// @inheritdoc ISupplyChain
    function receivePack(bytes32 packId) external {
        // The receiver's current role, not its role at shipment: a revocation stops a pack in transit too.
        _tradingPartnerEpoch(msg.sender);
        _receive(packId);
    }

    /// @inheritdoc ISupplyChain
    function receiveBatch(bytes32[] calldata packIds) external {
        _requireBatchSize(packIds.length);
        _tradingPartnerEpoch(msg.sender);
        for (uint256 i = 0; i < packIds.length; ++i) {
            _receive(packIds[i]);
        }
    }

    /// @inheritdoc ISupplyChain
    function dispense(bytes32 packId) external whenNotPaused onlyRole(PHARMACY_ROLE) returns (bool dispensed) {
        PackRecord memory pack = _existingPack(packId);
        if (_isDecommissioned(pack.status)) return _alertAlreadyDecommissioned(packId, pack);
        if (pack.holder != msg.sender) revert NotPackHolder(packId, msg.sender);
        _requireTransition(packId, pack.status, PackStatus.Dispensed);
        _requireNotBlocked(packId, pack, _lots[pack.lotId].state);

        _decommission(packId, pack, PackStatus.Dispensed);
        emit PackDispensed(packId);
        return true;
    }

    /// @inheritdoc ISupplyChain
    function decommission(bytes32 packId, PackStatus reason) external whenNotPaused returns (bool decommissioned) {
        if (reason <= PackStatus.Dispensed) revert InvalidDecommissionReason(reason);
        uint8 roleBits = _partners[msg.sender].roleBits;
        if (roleBits == 0) revert NotTradingPartner(msg.sender);
        // A free sample is handed out by the manufacturer only (Delegated Regulation (EU) 2016/161, Art. 41).
        if (reason == PackStatus.FreeSample && roleBits & MANUFACTURER_BIT == 0) revert NotManufacturer(msg.sender);
        PackRecord memory pack = _existingPack(packId);
        if (_isDecommissioned(pack.status)) return _alertAlreadyDecommissioned(packId, pack);
        if (pack.holder != msg.sender) revert NotPackHolder(packId, msg.sender);
        _requireTransition(packId, pack.status, reason);

        _decommission(packId, pack, reason);
        emit PackDecommissioned(packId, reason);
        return true;
    }

    /// @inheritdoc ISupplyChain
    function undoDecommission(bytes32 packId) external whenNotPaused {
        PackRecord memory pack = _existingPack(packId);
        if (!_isDecommissioned(pack.status)) revert PackNotDecommissioned(packId, pack.status);
        // Decommissioned packs never change holder: the holder is the account that decommissioned it.
        if (pack.holder != msg.sender) revert NotDecommissioner(packId, pack.holder, msg.sender);
        if (_partners[msg.sender].roleBits == 0) revert NotTradingPartner(msg.sender);
        PackStatus previous = PackStatus(pack.flags >> PREVIOUS_STATUS_SHIFT);
        // Destroyed and Stolen are final (Delegated Regulation (EU) 2016/161, Art. 13).
        if (pack.status >= PackStatus.Destroyed) revert InvalidTransition(packId, pack.status, previous);
        uint256 deadline = uint256(pack.recallEpoch) + UNDO_WINDOW;
        if (block.timestamp > deadline) revert UndoWindowClosed(packId, deadline);
        LotState lotState = _lots[pack.lotId].state;
        if (lotState != LotState.Active) {
            revert PackBlocked(packId, lotState == LotState.Recalled ? VerifyReason.Recalled : VerifyReason.Withdrawn);
        }
        if (_today() > pack.expiryDay) revert PackBlocked(packId, VerifyReason.Expired);

        pack.status = previous;
        pack.flags &= FLAG_BITS;
        // Lot and holder were checked just now, as at a move: the pack takes the current epoch.
        pack.recallEpoch = _recallEpoch;
        _packs[packId] = _encodePack(pack);
        emit DecommissionUndone(packId, previous);
    }

    /// @inheritdoc ISupplyChain
    function recordShipmentException(
        bytes32 shipmentId,
        bytes32[] calldata missing,
        bytes32[] calldata unexpected,
        bytes32 evidence
    ) external whenNotPaused {
        if (shipmentId == bytes32(0)) revert InvalidShipmentId();
        _requireBatchSize(missing.length + unexpected.length);
        if (_partners[msg.sender].roleBits == 0) revert NotTradingPartner(msg.sender);
        for (uint256 i = 0; i < missing.length; ++i) {
            PackRecord memory pack = _existingPack(missing[i]);
            if (pack.status != PackStatus.InTransit) _requireTransition(missing[i], pack.status, PackStatus.Received);
            if (pack.holder != msg.sender) revert NotConsignee(missing[i], msg.sender);
        }
        for (uint256 i = 0; i < unexpected.length; ++i) {
            bytes32 packId = unexpected[i];
            if (packId == bytes32(0)) revert InvalidCommitment();
            // An unknown commitment is allowed: a pack that is on no chain (a counterfeit) is unexpected too.
            PackRecord memory pack = _decodePack(_packs[packId]);
            if (pack.status == PackStatus.InTransit && pack.holder == msg.sender) revert PackExpectedInShipment(packId);
        }

        _shipmentExceptions[msg.sender][shipmentId] = ShipmentException({
            recordedAt: uint40(block.timestamp),
            missing: uint16(missing.length),
            unexpected: uint16(unexpected.length)
        });
        emit ShipmentExceptionRecorded(shipmentId, missing, unexpected, evidence);
    }

    /// @inheritdoc ISupplyChain
    function placeColdChainHold(bytes32[] calldata packIds, bytes32 evidence) external whenNotPaused {
        _requireBatchSize(packIds.length);
        bool isRegulator = hasRole(REGULATOR_ROLE, msg.sender);
        bool isPartner = _partners[msg.sender].roleBits != 0;
        for (uint256 i = 0; i < packIds.length; ++i) {
            bytes32 packId = packIds[i];
            PackRecord memory pack = _existingPack(packId);
            if (
                !isRegulator
                    && (!isPartner || (pack.holder != msg.sender && _lots[pack.lotId].manufacturer != msg.sender))
            ) {
                revert NotHoldAuthority(packId, msg.sender);
            }
            if (_isDecommissioned(pack.status)) revert PackBlocked(packId, VerifyReason.AlreadyDecommissioned);
            if (pack.flags & HOLD_BIT != 0) revert PackAlreadyFlagged(packId, PackFlag.ColdChainHold);

            pack.flags |= HOLD_BIT;
            _packs[packId] = _encodePack(pack);
            emit ColdChainHoldPlaced(packId, msg.sender, evidence);
        }
    }

    /// @inheritdoc ISupplyChain
    function releaseColdChainHold(bytes32[] calldata packIds) external whenNotPaused {
        _requireBatchSize(packIds.length);
        for (uint256 i = 0; i < packIds.length; ++i) {
            bytes32 packId = packIds[i];
            PackRecord memory pack = _existingPack(packId);
            if (!_isCurrentManufacturer(_lots[pack.lotId].manufacturer)) {
                revert NotLotManufacturer(pack.lotId, msg.sender);
            }
            if (pack.flags & HOLD_BIT == 0) revert PackNotFlagged(packId, PackFlag.ColdChainHold);

            pack.flags &= ~HOLD_BIT;
            _packs[packId] = _encodePack(pack);
            emit ColdChainHoldReleased(packId, msg.sender);
        }
    }

    /// @inheritdoc ISupplyChain
    function flagPack(bytes32 packId, PackFlag flag) external whenNotPaused onlyRole(REGULATOR_ROLE) {
        if (flag == PackFlag.ColdChainHold) revert FlagNotSettableByRegulator(flag);
        PackRecord memory pack = _existingPack(packId);
        uint8 bit = uint8(1) << uint8(flag);
        if (pack.flags & bit != 0) revert PackAlreadyFlagged(packId, flag);

        pack.flags |= bit;
        _packs[packId] = _encodePack(pack);
        emit PackFlagged(packId, flag, msg.sender);
    }

    /// @inheritdoc ISupplyChain
    function clearPackFlag(bytes32 packId, PackFlag flag) external whenNotPaused onlyRole(REGULATOR_ROLE) {
        if (flag == PackFlag.ColdChainHold) revert FlagNotSettableByRegulator(flag);
        PackRecord memory pack = _existingPack(packId);
        uint8 bit = uint8(1) << uint8(flag);
        if (pack.flags & bit == 0) revert PackNotFlagged(packId, flag);

        pack.flags &= ~bit;
        _packs[packId] = _encodePack(pack);
        emit PackFlagCleared(packId, flag, msg.sender);
    }

    // ---------------------------------------------------------------- anchors

    /// @inheritdoc ISupplyChain
    function anchorDocument(bytes32 subject, bytes32 sha256Digest, string calldata cid) external whenNotPaused {
        if (!hasRole(REGULATOR_ROLE, msg.sender)) {
            if (_partners[msg.sender].roleBits == 0) revert NotConsortiumMember(msg.sender);
            // A front-runner must not take a subject's (subject, digest) slot: only its parties anchor.
            uint256 word = _packs[subject];
            if (word == 0 || (address(uint160(word)) != msg.sender && _lots[uint32(word >> LOT_SHIFT)].manufacturer != msg.sender)) {
                revert NotSubjectParty(subject, msg.sender);
            }
        }
        if (sha256Digest == bytes32(0)) revert InvalidDigest();
        _requireText(Field.Cid, cid, MAX_CID_LENGTH, ALPHANUMERIC);
        DocumentAnchor storage document = _documents[subject][sha256Digest];
        if (document.anchoredBy != address(0)) revert DocumentAlreadyAnchored(subject, sha256Digest);

        document.anchoredBy = msg.sender;
        document.anchoredAt = uint64(block.timestamp);
        emit DocumentAnchored(subject, sha256Digest, msg.sender, cid);
    }

    /// @inheritdoc ISupplyChain
    function anchor(bytes32 ledgerId, uint64 blockNumber, bytes32 blockHash) external whenNotPaused onlyRole(ANCHORER_ROLE) {
        if (blockHash == bytes32(0)) revert InvalidBlockHash(ledgerId, blockNumber);
        LedgerHead memory head = _ledgerHeads[ledgerId];
        if (head.exists) {
            if (head.latestBlock == type(uint64).max) revert AnchorLedgerAtMaximum(ledgerId);
            if (blockNumber <= head.latestBlock) revert AnchorOutOfOrder(ledgerId, blockNumber, head.latestBlock + 1);
            if (blockNumber - head.latestBlock > MAX_ANCHOR_STEP) {
                revert AnchorStepTooLarge(ledgerId, blockNumber, MAX_ANCHOR_STEP);
            }
        }

        _ledgerHeads[ledgerId] = LedgerHead({exists: true, latestBlock: blockNumber});
        _blockHashes[ledgerId][blockNumber] = blockHash;
        emit BlockAnchored(ledgerId, blockNumber, blockHash, msg.sender);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ISupplyChain
    function verify(uint64 gtin, string calldata serial, string calldata lot, uint24 expiry)
        external
        view
        returns (bool verified, VerifyReason reason)
    {
        // The commitment binds all four printed identifiers: a wrong lot or expiry finds no pack,
        // exactly like a wrong serial, so the answer is about the scanned pack and no other.
        PackRecord memory pack = _decodePack(_packs[_packId(gtin, serial, lot, expiry)]);
        if (pack.status == PackStatus.None) return (false, VerifyReason.NoMatchGtinSerial);
        reason = _blockingReason(pack.flags, pack.expiryDay, _lots[pack.lotId].state, _isDecommissioned(pack.status));
        verified = reason == VerifyReason.None;
    }

    /// @inheritdoc ISupplyChain
    function packIdOf(uint64 gtin, string calldata serial, string calldata lot, uint24 expiry)
        external
        pure
        returns (bytes32)
    {
        return _packId(gtin, serial, lot, expiry);
    }

    /// @inheritdoc ISupplyChain
    function packOf(bytes32 packId) external view returns (PackRecord memory pack) {
        pack = _decodePack(_packs[packId]);
        pack.flags &= FLAG_BITS;
    }

    /// @inheritdoc ISupplyChain
    function decommissionOf(bytes32 packId)
        external
        view
        returns (PackStatus status, PackStatus previousStatus, address decommissionedBy, uint32 decommissionedAt)
    {
        PackRecord memory pack = _decodePack(_packs[packId]);
        if (!_isDecommissioned(pack.status)) return (pack.status, PackStatus.None, address(0), 0);
        return (pack.status, PackStatus(pack.flags >> PREVIOUS_STATUS_SHIFT), pack.holder, pack.recallEpoch);
    }

    /// @inheritdoc ISupplyChain
    function shipmentExceptionOf(address consignee, bytes32 shipmentId)
        external
        view
        returns (uint40 recordedAt, uint16 missing, uint16 unexpected)
    {
        ShipmentException memory record = _shipmentExceptions[consignee][shipmentId];
        return (record.recordedAt, record.missing, record.unexpected);
    }

    /// @inheritdoc ISupplyChain
    function lotOf(uint32 lotId) external view returns (LotRecord memory) {
        return _lots[lotId];
    }

    /// @inheritdoc ISupplyChain
    function lotIdOf(bytes32 lotKey) external view returns (uint32) {
        return _lotIds[lotKey];
    }

    /// @inheritdoc ISupplyChain
    function lotKeyOf(uint64 gtin, string calldata lot) external pure returns (bytes32) {
        return keccak256(abi.encode(gtin, lot));
    }

    /// @inheritdoc ISupplyChain
    function gtinOf(uint64 gtin) external view returns (GtinRecord memory) {
        return _gtins[gtin];
    }

    /// @inheritdoc ISupplyChain
    function gtinAssigneeOf(uint64 gtin) external view returns (address) {
        return _gtinAssignees[gtin];
    }

    /// @inheritdoc ISupplyChain
    function documentAnchorOf(bytes32 subject, bytes32 sha256Digest)
        external
        view
        returns (address anchoredBy, uint64 anchoredAt)
    {
        DocumentAnchor memory document = _documents[subject][sha256Digest];
        return (document.anchoredBy, document.anchoredAt);
    }

    /// @inheritdoc ISupplyChain
    function anchoredBlockHash(bytes32 ledgerId, uint64 blockNumber) external view returns (bytes32) {
        return _blockHashes[ledgerId][blockNumber];
    }

    /// @inheritdoc ISupplyChain
    function latestAnchor(bytes32 ledgerId) external view returns (bool exists, uint64 blockNumber) {
        LedgerHead memory head = _ledgerHeads[ledgerId];
        return (head.exists, head.latestBlock);
    }

    // ---------------------------------------------------------------- roles

    /// @dev Keeps the partner records and list in step with the roles.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        if (account == address(0)) revert ZeroAddress();
        granted = super._grantRole(role, account);
        uint8 bit = _partnerBit(role);
        if (!granted || bit == 0) return granted;
        PartnerRecord storage partner = _partners[account];
        if (partner.roleBits == 0) {
            if (_partnerList.length >= MAX_TRADING_PARTNERS) revert TradingPartnerLimitReached(MAX_TRADING_PARTNERS);
            partner.listIndex = uint32(_partnerList.length);
            partner.recallEpoch = _recallEpoch;
            partner.paused = paused();
            _partnerList.push(account);
        }
        partner.roleBits |= bit;
    }

    /// @dev Keeps the partner records and list in step with the roles.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        uint8 bit = _partnerBit(role);
        if (!revoked || bit == 0) return revoked;
        PartnerRecord storage partner = _partners[account];
        partner.roleBits &= ~bit;
        if (partner.roleBits == 0) {
            // Swap-and-pop keeps the list dense for the recall loop.
            address last = _partnerList[_partnerList.length - 1];
            _partnerList[partner.listIndex] = last;
            _partners[last].listIndex = partner.listIndex;
            _partnerList.pop();
            // Packs the account holds take the slow path on their next ship, which checks the holder's role.
            _advanceRecallEpoch(true);
        }
    }

    /// @dev A recall, withdrawal or revocation happened: packs must look at their lot (after a
    /// recall or withdrawal: the low 16 bits of the epoch) or their holder's role (after a
    /// revocation: the high 16 bits) on their next move. Each half counts modulo 2^16: a pack
    /// would skip a check only if it sat still through exactly a multiple of 65,536 such events.
    function _advanceRecallEpoch(bool revocation) private {
        uint32 epoch = _recallEpoch;
        unchecked {
            epoch = revocation
                ? (epoch & 0xffff) | (((epoch >> 16) + 1) << 16)
                : (epoch & 0xffff0000) | uint32(uint16(epoch + 1));
        }
        _recallEpoch = epoch;
        uint256 count = _partnerList.length;
        for (uint256 i = 0; i < count; ++i) {
            _partners[_partnerList[i]].recallEpoch = epoch;
        }
    }

    function _setPaused(bool isPaused) private {
        _paused = isPaused;
        uint256 count = _partnerList.length;
        for (uint256 i = 0; i < count; ++i) {
            _partners[_partnerList[i]].paused = isPaused;
        }
    }

    function _partnerBit(bytes32 role) private pure returns (uint8) {
        if (role == MANUFACTURER_ROLE) return MANUFACTURER_BIT;
        if (role == DISTRIBUTOR_ROLE) return DISTRIBUTOR_BIT;
        if (role == PHARMACY_ROLE) return PHARMACY_BIT;
        return 0;
    }

    // ---------------------------------------------------------------- internals

    function _commission(uint32 lotId, LotRecord memory lot, uint32 recallEpoch, bytes32 packId) private {
        if (packId == bytes32(0)) revert InvalidCommitment();
        if (_packs[packId] != 0) revert PackAlreadyCommissioned(packId);

        _packs[packId] = _encodePack(PackRecord({
            holder: msg.sender,
            lotId: lotId,
            status: PackStatus.Commissioned,
            flags: 0,
            expiryDay: lot.expiryDay,
            recallEpoch: recallEpoch
        }));
        emit PackCommissioned(packId, lotId);
    }

    // Ship and receive are the hot path: they work on the stored word directly (one SLOAD,
    // one SSTORE, no memory struct); every other function goes through PackRecord.
    function _ship(bytes32 packId, address consignee, uint32 recallEpoch) private {
        uint256 word = _packs[packId];
        if (word == 0) revert PackNotFound(packId);
        if (address(uint160(word)) != msg.sender) revert NotPackHolder(packId, msg.sender);
        if (consignee == msg.sender) revert ShipmentToSelf(packId);
        // Allowed statuses skip the call (gas); any other goes to the one transition check, which reverts.
        uint256 status = uint8(word >> STATUS_SHIFT);
        if (status != uint8(PackStatus.Commissioned) && status != uint8(PackStatus.Received)) {
            _requireTransition(packId, PackStatus(status), PackStatus.InTransit);
        }
        // Same epoch: no recall, withdrawal or revocation since the pack last moved, so its lot is
        // active and its holder (checked as a partner when it received the pack) still a partner.
        LotState lotState = LotState.Active;
        uint32 changed = uint32(word >> EPOCH_SHIFT) ^ recallEpoch;
        if (changed >> 16 != 0 && _partners[msg.sender].roleBits == 0) revert NotTradingPartner(msg.sender);
        if (uint16(changed) != 0) lotState = _lots[uint32(word >> LOT_SHIFT)].state;
        // The usual pack (no flag, active lot, not expired) skips the ordered walk over every reason.
        uint8 flags = uint8(word >> FLAGS_SHIFT);
        uint16 expiryDay = uint16(word >> EXPIRY_DAY_SHIFT);
        if (flags != 0 || lotState != LotState.Active || _today() > expiryDay) {
            revert PackBlocked(packId, _blockingReason(flags, expiryDay, lotState, false));
        }

        _packs[packId] = uint256(uint160(consignee)) | (word & LOT_FLAGS_EXPIRY_MASK)
            | (uint256(uint8(PackStatus.InTransit)) << STATUS_SHIFT) | (uint256(recallEpoch) << EPOCH_SHIFT);
        emit PackShipped(packId);
    }

    function _receive(bytes32 packId) private {
        uint256 word = _packs[packId];
        if (word == 0) revert PackNotFound(packId);
        uint256 status = uint8(word >> STATUS_SHIFT);
        if (status != uint8(PackStatus.InTransit)) {
            _requireTransition(packId, PackStatus(status), PackStatus.Received);
        }
        if (address(uint160(word)) != msg.sender) revert NotConsignee(packId, msg.sender);

        _packs[packId] = (word & ~STATUS_MASK) | (uint256(uint8(PackStatus.Received)) << STATUS_SHIFT);
        emit PackReceived(packId);
    }

    /// @dev The pack leaves the active supply: the status before it goes into the high half of the
    /// flags byte and the time into the epoch field (an epoch matters only to a pack that can
    /// move; an undo gives it the current one back).
    function _decommission(bytes32 packId, PackRecord memory pack, PackStatus reason) private {
        pack.flags |= uint8(pack.status) << PREVIOUS_STATUS_SHIFT;
        pack.status = reason;
        pack.recallEpoch = uint32(block.timestamp);
        _packs[packId] = _encodePack(pack);
    }

    /// @dev The "already inactive" alert of a second decommission: recorded, not reverted, so the
    /// event survives; from another account than the one that decommissioned it, the pack is Suspect.
    function _alertAlreadyDecommissioned(bytes32 packId, PackRecord memory pack) private returns (bool) {
        bool suspect = pack.holder != msg.sender;
        if (suspect) {
            pack.flags |= SUSPECT_BIT;
            _packs[packId] = _encodePack(pack);
        }
        emit DecommissionAlerted(packId, suspect);
        return false;
    }

    function _isDecommissioned(PackStatus status) private pure returns (bool) {
        return status >= PackStatus.Dispensed;
    }

    /// @dev Checks that the caller may commission into the lot now; returns the lot's GTIN.
    function _lotOpenForPacks(uint32 lotId) private view returns (LotRecord memory lot) {
        lot = _lots[lotId];
        if (lot.state == LotState.None) revert LotNotRegistered(lotId);
        if (lot.manufacturer != msg.sender) revert NotLotManufacturer(lotId, msg.sender);
        if (lot.state != LotState.Active) revert LotNotActive(lotId, lot.state);
        if (_today() > lot.expiryDay) revert LotExpired(lot.gtin, lot.expiry);
    }

    function _existingPack(bytes32 packId) private view returns (PackRecord memory pack) {
        uint256 word = _packs[packId];
        if (word == 0) revert PackNotFound(packId);
        pack = _decodePack(word);
    }

    /// @dev PackRecord's fields from the low bits up: holder 160, lotId 32, status 8, flags 8,
    /// expiryDay 16, recallEpoch 32 (the layout Solidity itself would give the struct).
    /// A commissioned pack always has a non-zero holder, so word 0 means "no pack".
    function _encodePack(PackRecord memory pack) private pure returns (uint256) {
        return uint256(uint160(pack.holder)) | (uint256(pack.lotId) << LOT_SHIFT)
            | (uint256(uint8(pack.status)) << STATUS_SHIFT) | (uint256(pack.flags) << FLAGS_SHIFT)
            | (uint256(pack.expiryDay) << EXPIRY_DAY_SHIFT) | (uint256(pack.recallEpoch) << EPOCH_SHIFT);
    }

    function _decodePack(uint256 word) private pure returns (PackRecord memory pack) {
        pack.holder = address(uint160(word));
        pack.lotId = uint32(word >> LOT_SHIFT);
        pack.status = PackStatus(uint8(word >> STATUS_SHIFT));
        pack.flags = uint8(word >> FLAGS_SHIFT);
        pack.expiryDay = uint16(word >> EXPIRY_DAY_SHIFT);
        pack.recallEpoch = uint32(word >> EPOCH_SHIFT);
    }

    /// @dev The one place that says which status changes exist: ship, receive, dispense and
    /// decommission (from an active status at rest). An undo is the reverse of one of the last two
    /// and checks itself: here it would also let a receive bring a decommissioned pack back.
    function _requireTransition(bytes32 packId, PackStatus from, PackStatus to) private pure {
        bool atRest = from == PackStatus.Commissioned || from == PackStatus.Received;
        bool allowed = (to == PackStatus.InTransit && atRest)
            || (to == PackStatus.Received && from == PackStatus.InTransit)
            || (to == PackStatus.Dispensed && from == PackStatus.Received)
            || (to > PackStatus.Dispensed && atRest);
        if (!allowed) revert InvalidTransition(packId, from, to);
    }

    function _requireNotBlocked(bytes32 packId, PackRecord memory pack, LotState lotState) private view {
        VerifyReason reason = _blockingReason(pack.flags, pack.expiryDay, lotState, false);
        if (reason != VerifyReason.None) revert PackBlocked(packId, reason);
    }

    /// @dev First reason that stops a pack moving or being dispensed, in the chaincode's order
    /// (docs/chaincode-api.md, Verification): ILLEGITIMATE, RECALLED, WITHDRAWN, SUSPECT,
    /// ALREADY_DECOMMISSIONED, EXPIRED, COLD_CHAIN_HOLD, QUARANTINED.
    function _blockingReason(uint8 flags, uint16 expiryDay, LotState lotState, bool decommissioned)
        private
        view
        returns (VerifyReason)
    {
        if (flags & ILLEGITIMATE_BIT != 0) return VerifyReason.Illegitimate;
        if (lotState == LotState.Recalled) return VerifyReason.Recalled;
        if (lotState == LotState.Withdrawn) return VerifyReason.Withdrawn;
        if (flags & SUSPECT_BIT != 0) return VerifyReason.Suspect;
        if (decommissioned) return VerifyReason.AlreadyDecommissioned;
        if (_today() > expiryDay) return VerifyReason.Expired;
        if (flags & HOLD_BIT != 0) return VerifyReason.ColdChainHold;
        if (flags & QUARANTINED_BIT != 0) return VerifyReason.Quarantined;
        return VerifyReason.None;
    }

    /// @dev Reverts unless the account is a trading partner and the contract is not paused (both
    /// read from the account's one partner slot); returns its copy of the recall epoch.
    function _tradingPartnerEpoch(address account) private view returns (uint32) {
        PartnerRecord storage partner = _partners[account];
        (uint8 roleBits, uint32 recallEpoch, bool isPaused) = (partner.roleBits, partner.recallEpoch, partner.paused);
        if (roleBits == 0) revert NotTradingPartner(account);
        if (isPaused) revert EnforcedPause();
        return recallEpoch;
    }

    function _requireManufacturerOrRegulator(address manufacturer) private view {
        if (!_isCurrentManufacturer(manufacturer) && !hasRole(REGULATOR_ROLE, msg.sender)) {
            revert NotManufacturerOrRegulator(msg.sender);
        }
    }

    /// @dev The caller is `manufacturer` and still holds MANUFACTURER_ROLE (a revoked key acts no more).
    function _isCurrentManufacturer(address manufacturer) private view returns (bool) {
        return msg.sender == manufacturer && _partners[msg.sender].roleBits & MANUFACTURER_BIT != 0;
    }

    function _requireNotPaused() private view {
        if (_paused) revert EnforcedPause();
    }

    function _requireBatchSize(uint256 size) private pure {
        if (size == 0 || size > MAX_BATCH) revert InvalidBatchSize(size, MAX_BATCH);
    }

    function _requireValidGtin(uint64 gtin) private pure {
        if (gtin == 0 || gtin > 99_999_999_999_999) revert GtinOutOfRange(gtin);
        // GS1 mod 10: weights 3,1,3,... from the digit next to the check digit leftwards.
        uint256 rest = gtin / 10;
        uint256 sum = 0;
        uint256 weight = 3;
        for (uint256 i = 0; i < 13; ++i) {
            sum += (rest % 10) * weight;
            rest /= 10;
            weight = 4 - weight;
        }
        uint8 expected = uint8((10 - (sum % 10)) % 10);
        if (gtin % 10 != expected) revert GtinCheckDigitInvalid(gtin, expected);
    }

    function _requireText(Field field, string calldata text, uint256 maxLength, uint256 charset) private pure {
        bytes calldata chars = bytes(text);
        if (chars.length == 0 || chars.length > maxLength) revert InvalidLength(field, chars.length, maxLength);
        for (uint256 i = 0; i < chars.length; ++i) {
            uint8 c = uint8(chars[i]);
            if (c > 127 || (charset >> c) & 1 == 0) revert InvalidCharacter(field, i);
        }
    }

    function _expiryDay(uint24 expiry) private pure returns (uint16 day) {
        bool valid;
        (valid, day) = _tryExpiryDay(expiry);
        if (!valid) revert InvalidExpiry(expiry);
    }

    /// @dev YYMMDD (years 2000-2099; day 00 = last day of the month) to days since 1970-01-01.
    function _tryExpiryDay(uint24 expiry) private pure returns (bool valid, uint16 day) {
        uint256 year = 2000 + expiry / 10_000;
        uint256 month = (expiry / 100) % 100;
        uint256 dayOfMonth = expiry % 100;
        if (year > 2099 || month == 0 || month > 12) return (false, 0);
        uint256 lastDay = _daysInMonth(year, month);
        if (dayOfMonth > lastDay) return (false, 0);
        if (dayOfMonth == 0) dayOfMonth = lastDay;
        return (true, uint16(_daysFromCivil(year, month, dayOfMonth)));
    }

    function _daysInMonth(uint256 year, uint256 month) private pure returns (uint256) {
        if (month == 2) return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
        if (month == 4 || month == 6 || month == 9 || month == 11) return 30;
        return 31;
    }

    /// @dev Howard Hinnant's days_from_civil, for dates after 1970-03-01.
    function _daysFromCivil(uint256 year, uint256 month, uint256 day) private pure returns (uint256) {
        uint256 y = month <= 2 ? year - 1 : year;
        uint256 yearOfEra = y % 400;
        uint256 shiftedMonth = month > 2 ? month - 3 : month + 9;
        uint256 dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1;
        uint256 dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
        // y - yearOfEra is a whole number of 400-year eras of 146,097 days each: exact.
        return (y - yearOfEra) * 146_097 / 400 + dayOfEra - 719_468;
    }

    function _today() private view returns (uint256) {
        return block.timestamp / 1 days;
    }

    /// @dev The pack commitment: every identifier printed on the pack, ABI-encoded (unambiguous).
    function _packId(uint64 gtin, string calldata serial, string calldata lot, uint24 expiry)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(gtin, serial, lot, expiry));
    }
}
