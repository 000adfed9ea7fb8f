// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title rxtrace public-chain supply chain
/// @notice The pack lifecycle of the rxtrace chaincode on an EVM chain: GTIN master data,
/// lots, serialised packs, two-phase ship/receive, dispense, recall and withdrawal, cold-chain
/// holds, document anchors, and anchors of another ledger's block hashes.
/// @dev Privacy by commitment: the chain never sees a serial, lot number or expiry in an event
/// or in commissioning calldata. A pack is keyed by its commitment
/// `packId = keccak256(abi.encode(uint64 gtin, string serial, string lot, uint24 expiry))` (see
/// {packIdOf}), which the manufacturer computes off chain and which anyone holding the pack can
/// recompute from what is printed on it; a lot is keyed by `keccak256(abi.encode(uint64 gtin,
/// string lot))` (see {lotKeyOf}). docs/solidity.md says what an observer can and cannot learn. Reverts use custom errors whose name says which rule failed and whose
/// arguments carry the values needed to diagnose it.
interface ISupplyChain {
    /// @notice Lifecycle state of a pack. `None` means "never commissioned". `Dispensed` and every
    /// status after it are decommissioned (the EU FMD statuses: supplied, exported, checked-out,
    /// sample, free sample, locked, destroyed, stolen); `Destroyed` and `Stolen` are final.
    enum PackStatus {
        None,
        Commissioned,
        InTransit,
        Received,
        Dispensed,
        Exported,
        CheckedOut,
        Sample,
        FreeSample,
        Locked,
        Destroyed,
        Stolen
    }

    /// @notice State of a lot. A withdrawal of the lot's GTIN marks every lot `Withdrawn`.
    enum LotState {
        None,
        Active,
        Recalled,
        Withdrawn
    }

    /// @notice Overlays a regulator may put on a single pack.
    enum PackFlag {
        ColdChainHold,
        Suspect,
        Illegitimate,
        Quarantined
    }

    /// @notice Reason codes of {verify}, the same codes as the chaincode's verification
    /// (docs/solidity.md maps each to its chaincode string). `None` means verified.
    enum VerifyReason {
        None,
        NoMatchGtinSerial,
        LotMismatch,
        ExpiryMismatch,
        Expired,
        Recalled,
        Withdrawn,
        Suspect,
        Illegitimate,
        AlreadyDecommissioned,
        ColdChainHold,
        Quarantined
    }

    /// @notice Which input a text-validation error refers to.
    enum Field {
        Serial,
        Lot,
        ProductName,
        Cid
    }

    /// @notice Master data of a GTIN as stored.
    struct GtinRecord {
        address manufacturer;
        bool withdrawn;
        uint32 lotCount;
    }

    /// @notice A lot as stored: its GTIN, manufacturer and expiry (YYMMDD, day 00 = month end).
    struct LotRecord {
        address manufacturer;
        uint48 gtin;
        uint24 expiry;
        uint16 expiryDay;
        LotState state;
    }

    /// @notice A pack as stored: one storage slot.
    /// @dev `holder` is the custodian; while `InTransit` it is the named consignee, the only
    /// account that may receive it; once decommissioned it is the account that decommissioned it.
    /// `flags` holds one bit per {PackFlag}. `expiryDay` (days since 1970) is copied from the lot
    /// so a move need not read the lot; `recallEpoch` is the recall epoch at which the lot was last
    /// seen active, and while the pack is decommissioned the decommission time (see {decommissionOf}).
    struct PackRecord {
        address holder;
        uint32 lotId;
        PackStatus status;
        uint8 flags;
        uint16 expiryDay;
        uint32 recallEpoch;
    }

    // ---------------------------------------------------------------- errors

    /// @notice The GTIN is zero or longer than 14 digits.
    error GtinOutOfRange(uint64 gtin);
    /// @notice The GTIN's last digit is not its GS1 mod-10 check digit `expected`.
    error GtinCheckDigitInvalid(uint64 gtin, uint8 expected);
    /// @notice The GTIN was already registered, by `manufacturer`.
    error GtinAlreadyRegistered(uint64 gtin, address manufacturer);
    /// @notice The GTIN was never registered.
    error GtinNotRegistered(uint64 gtin);
    /// @notice The GTIN is not assigned to `account` by the registry: GTINs are assigned, not claimed.
    error GtinNotAssigned(uint64 gtin, address account);
    /// @notice The GTIN is already assigned, to `manufacturer`.
    error GtinAlreadyAssigned(uint64 gtin, address manufacturer);
    /// @notice The contract is paused: no state changes but role administration.
    error EnforcedPause();
    /// @notice The contract is not paused, so it cannot be unpaused.
    error ExpectedPause();
    /// @notice A role cannot be granted to the zero address.
    error ZeroAddress();
    /// @notice `account` holds no MANUFACTURER_ROLE.
    error NotManufacturer(address account);
    /// @notice A GTIN cannot move to the key it is already assigned to.
    error GtinAlreadyAssignedTo(uint64 gtin, address manufacturer);
    /// @notice The pack's holder is not a key the caller took over by a GTIN transfer.
    error NotSuccessorOfHolder(bytes32 packId, address holder, address account);
    /// @notice Only the manufacturer that registered the GTIN may do this.
    error NotGtinManufacturer(uint64 gtin, address account);
    /// @notice The GTIN is withdrawn (irreversible): no new lots, no second withdrawal.
    error GtinAlreadyWithdrawn(uint64 gtin);
    /// @notice The GTIN already holds the maximum number of lots (withdrawal stays bounded).
    error GtinLotLimitReached(uint64 gtin, uint256 limit);
    /// @notice A text field is empty or longer than `maxLength`.
    error InvalidLength(Field field, uint256 length, uint256 maxLength);
    /// @notice A text field holds a character outside its character set at `position`.
    error InvalidCharacter(Field field, uint256 position);
    /// @notice The expiry is not a valid YYMMDD date (month 01-12, day 00-last day of month).
    error InvalidExpiry(uint24 expiry);
    /// @notice The lot's expiry date has passed.
    error LotExpired(uint64 gtin, uint24 expiry);
    /// @notice The lot number was already registered for this GTIN, as `lotId`.
    error LotAlreadyRegistered(uint64 gtin, uint32 lotId);
    /// @notice No lot has this id.
    error LotNotRegistered(uint32 lotId);
    /// @notice Only the lot's manufacturer may do this.
    error NotLotManufacturer(uint32 lotId, address account);
    /// @notice Only the manufacturer of the product or a regulator may do this.
    error NotManufacturerOrRegulator(address account);
    /// @notice The lot is not active (recalled or withdrawn), so it takes no new packs.
    error LotNotActive(uint32 lotId, LotState state);
    /// @notice The lot is already recalled.
    error LotAlreadyRecalled(uint32 lotId);
    /// @notice A batch is empty or longer than `maxSize`.
    error InvalidBatchSize(uint256 size, uint256 maxSize);
    /// @notice A pack with this commitment already exists.
    error PackAlreadyCommissioned(bytes32 packId);
    /// @notice No pack has this id.
    error PackNotFound(bytes32 packId);
    /// @notice Only the pack's current holder may do this.
    error NotPackHolder(bytes32 packId, address account);
    /// @notice Only the consignee named at shipment may receive the pack.
    error NotConsignee(bytes32 packId, address account);
    /// @notice Only the pack's holder, its manufacturer or a regulator may hold it.
    error NotHoldAuthority(bytes32 packId, address account);
    /// @notice The account is neither a trading partner nor a regulator.
    error NotConsortiumMember(address account);
    /// @notice The pack's status does not allow the requested move.
    error InvalidTransition(bytes32 packId, PackStatus from, PackStatus to);
    /// @notice The pack may not move or be dispensed: `reason` says why (recall, expiry, hold...).
    error PackBlocked(bytes32 packId, VerifyReason reason);
    /// @notice The account is not a trading partner (manufacturer, distributor or pharmacy).
    error NotTradingPartner(address account);
    /// @notice No more than `limit` accounts may hold a trading-partner role at once.
    error TradingPartnerLimitReached(uint256 limit);
    /// @notice A pack cannot be shipped to its own holder.
    error ShipmentToSelf(bytes32 packId);
    /// @notice `reason` is not a decommission reason of {decommission} (Exported to Stolen).
    error InvalidDecommissionReason(PackStatus reason);
    /// @notice The pack is not decommissioned, so there is nothing to undo.
    error PackNotDecommissioned(bytes32 packId, PackStatus status);
    /// @notice Only the account that decommissioned the pack may undo it.
    error NotDecommissioner(bytes32 packId, address decommissionedBy, address account);
    /// @notice The undo window of UNDO_WINDOW after the decommission ended at `deadline`.
    error UndoWindowClosed(bytes32 packId, uint256 deadline);
    /// @notice The shipment reference is zero.
    error InvalidShipmentId();
    /// @notice A pack listed as unexpected is in transit to the caller: it was shipped to it.
    error PackExpectedInShipment(bytes32 packId);
    /// @notice The pack already carries the flag.
    error PackAlreadyFlagged(bytes32 packId, PackFlag flag);
    /// @notice The pack does not carry the flag.
    error PackNotFlagged(bytes32 packId, PackFlag flag);
    /// @notice A regulator may only set or clear Suspect, Illegitimate or Quarantined; the
    /// cold-chain hold has its own functions.
    error FlagNotSettableByRegulator(PackFlag flag);
    /// @notice A pack or lot commitment is zero.
    error InvalidCommitment();
    /// @notice The sha256 digest is zero.
    error InvalidDigest();
    /// @notice This digest is already anchored for this subject.
    error DocumentAlreadyAnchored(bytes32 subject, bytes32 sha256Digest);
    /// @notice The block hash is zero.
    error InvalidBlockHash(bytes32 ledgerId, uint64 blockNumber);
    /// @notice Anchors of a ledger must have increasing block numbers; `minimum` is the lowest accepted.
    error AnchorOutOfOrder(bytes32 ledgerId, uint64 blockNumber, uint64 minimum);
    /// @notice A block anchor may move a ledger's head forward by at most `maximumStep` blocks.
    error AnchorStepTooLarge(bytes32 ledgerId, uint64 blockNumber, uint64 maximumStep);
    /// @notice The ledger's head is at the largest block number: nothing can follow it.
    error AnchorLedgerAtMaximum(bytes32 ledgerId);
    /// @notice Only the subject's parties (a pack's holder or manufacturer) or a regulator may
    /// anchor a document about it; a subject that is not a pack is the regulator's alone.
    error NotSubjectParty(bytes32 subject, address account);

    // ---------------------------------------------------------------- events

    /// @notice `account` paused every state-changing function.
    event Paused(address account);
    /// @notice `account` lifted the pause.
    event Unpaused(address account);
    /// @notice The registry assigned a GTIN to a manufacturer.
    event GtinAssigned(uint64 indexed gtin, address indexed manufacturer, address indexed by);
    /// @notice The registry moved a GTIN, its lots and the right to its packs to a manufacturer's new key.
    event GtinTransferred(uint64 indexed gtin, address indexed from, address indexed to);
    /// @notice A pack held by a manufacturer's old key moved to its new key.
    event PackTakenOver(bytes32 indexed packId, address indexed by);
    /// @notice A GTIN was registered (named) by the manufacturer it is assigned to.
    event GtinRegistered(uint64 indexed gtin, address indexed manufacturer, string productName);
    /// @notice A GTIN was withdrawn from the market (irreversible).
    event GtinWithdrawn(uint64 indexed gtin, address indexed by);
    /// @notice A lot was registered.
    /// @dev Neither the lot number nor the expiry: only the lot's commitment.
    event LotRegistered(uint32 indexed lotId, uint64 indexed gtin, bytes32 lotKey);
    /// @notice A lot was recalled (irreversible).
    event LotRecalled(uint32 indexed lotId, address indexed by);
    /// @notice A pack was commissioned into a lot.
    /// @dev `packId` is the pack's commitment; no serial.
    event PackCommissioned(bytes32 indexed packId, uint32 indexed lotId);
    /// @notice A pack was shipped; the trading parties are not in the event.
    event PackShipped(bytes32 indexed packId);
    /// @notice A pack was received by its consignee.
    /// @dev The receiver is not repeated here: it keeps a receive at the gas target.
    event PackReceived(bytes32 indexed packId);
    /// @notice A pack was dispensed (decommissioned) by the pharmacy holding it (not named: no
    /// per-pharmacy dispensing record in the logs).
    event PackDispensed(bytes32 indexed packId);
    /// @notice An already dispensed pack was dispensed again; `suspect` when from another pharmacy.
    event DecommissionAlerted(bytes32 indexed packId, bool suspect);
    /// @notice A pack was decommissioned for `reason` by its holder (not named, as for {PackDispensed}).
    event PackDecommissioned(bytes32 indexed packId, PackStatus reason);
    /// @notice A decommission was undone: the pack is back in `status`, its status before it.
    event DecommissionUndone(bytes32 indexed packId, PackStatus status);
    /// @notice A consignee recorded that a shipment arrived short or mismatched: `missing` packs in
    /// transit to it did not arrive (they stay in transit), `unexpected` ones arrived unshipped;
    /// `evidence` is the sha256 of the receiving report (damage photos, count sheet).
    event ShipmentExceptionRecorded(bytes32 indexed shipmentId, bytes32[] missing, bytes32[] unexpected, bytes32 evidence);
    /// @notice A cold-chain hold was placed on a pack; `evidence` is the sha256 of the logger data.
    event ColdChainHoldPlaced(bytes32 indexed packId, address indexed by, bytes32 evidence);
    /// @notice A cold-chain hold was released by the manufacturer's quality function.
    event ColdChainHoldReleased(bytes32 indexed packId, address indexed by);
    /// @notice A regulator flagged a pack.
    event PackFlagged(bytes32 indexed packId, PackFlag flag, address indexed by);
    /// @notice A regulator cleared a pack's flag.
    event PackFlagCleared(bytes32 indexed packId, PackFlag flag, address indexed by);
    /// @notice A document was anchored: its sha256 on chain, its IPFS CID in this event.
    event DocumentAnchored(bytes32 indexed subject, bytes32 indexed sha256Digest, address indexed by, string cid);
    /// @notice A block hash of another ledger was anchored.
    event BlockAnchored(bytes32 indexed ledgerId, uint64 indexed blockNumber, bytes32 blockHash, address indexed by);

    // ---------------------------------------------------------------- emergency pause

    /// @notice Stops every state-changing function but role administration until {unpause}
    /// (an emergency stop); views and {verify} keep answering.
    /// @dev Requirements: PAUSER_ROLE; not paused. Emits {Paused}.
    function pause() external;

    /// @notice Lifts the emergency stop.
    /// @dev Requirements: PAUSER_ROLE; paused. Emits {Unpaused}.
    function unpause() external;

    /// @notice True while the emergency stop is on.
    function paused() external view returns (bool);

    // ---------------------------------------------------------------- products and lots

    /// @notice Assigns a GTIN to a manufacturer (the GS1 registry's act): only the assignee may
    /// register it, so no manufacturer can claim or front-run another's GTIN.
    /// @dev Requirements: REGISTRY_ROLE; 14-digit GTIN with a valid check digit; `manufacturer`
    /// holds MANUFACTURER_ROLE; GTIN not yet assigned. Emits {GtinAssigned}.
    function assignGtin(uint64 gtin, address manufacturer) external;

    /// @notice Moves a GTIN to a manufacturer's new key (key rotation, or a change of owner):
    /// the assignment, the GTIN record and every lot; packs the old key holds follow by {takeOverPacks}.
    /// @dev Requirements: REGISTRY_ROLE; GTIN assigned; `to` holds MANUFACTURER_ROLE and is not
    /// the current assignee. At most MAX_LOTS_PER_GTIN lots are rewritten. Emits {GtinTransferred}.
    function transferGtin(uint64 gtin, address to) external;

    /// @notice Moves packs held by a key whose GTIN the caller took over by {transferGtin} to the caller.
    /// @dev Requirements: MANUFACTURER_ROLE; each pack exists, is not in transit or dispensed, and
    /// its holder's GTINs were transferred to the caller; 1-MAX_BATCH packs. Emits {PackTakenOver} per pack.
    function takeOverPacks(bytes32[] calldata packIds) external;

    /// @notice Registers (names) a GTIN the registry assigned to the calling manufacturer.
    /// @dev Requirements: MANUFACTURER_ROLE; 14-digit GTIN with a valid check digit; assigned to
    /// the caller; not yet registered; name of 1-64 printable ASCII characters. Emits {GtinRegistered}.
    function registerGtin(uint64 gtin, string calldata productName) external;

    /// @notice Registers a lot of one of the caller's GTINs and returns its id.
    /// @dev `lotKey` is {lotKeyOf}(gtin, lot), computed off chain so the lot number is never sent.
    /// Requirements: caller registered the GTIN; GTIN not withdrawn; lotKey non-zero and new;
    /// expiry a valid YYMMDD not in the past. Emits {LotRegistered}.
    function registerLot(uint64 gtin, bytes32 lotKey, uint24 expiry) external returns (uint32 lotId);

    /// @notice Recalls a lot; every pack in it then fails verification with `Recalled`.
    /// @dev Requirements: the lot's manufacturer or a regulator; lot not yet recalled (a lot of a
    /// withdrawn GTIN may still be recalled: RECALLED outranks WITHDRAWN). Emits {LotRecalled}.
    function recallLot(uint32 lotId) external;

    /// @notice Withdraws a GTIN; every pack of it then fails verification with `Withdrawn`.
    /// @dev Requirements: the GTIN's manufacturer or a regulator; not yet withdrawn.
    /// Marks every lot of the GTIN withdrawn (at most MAX_LOTS_PER_GTIN). Emits {GtinWithdrawn}.
    function withdrawGtin(uint64 gtin) external;

    // ---------------------------------------------------------------- packs

    /// @notice Commissions one pack, given by its commitment {packIdOf}, into a lot of the caller.
    /// @dev The serial never reaches the chain, so its format is the manufacturer's system's to
    /// check. Requirements: the lot's manufacturer; lot active and not expired; packId non-zero
    /// and new. Emits {PackCommissioned}.
    function commissionPack(uint32 lotId, bytes32 packId) external;

    /// @notice Commissions up to MAX_BATCH packs into one lot, all or nothing.
    /// @dev Same requirements as {commissionPack} for every pack. Emits {PackCommissioned} per pack.
    function commissionPacks(uint32 lotId, bytes32[] calldata packIds) external;

    /// @notice Ships a pack to `consignee`, who alone may then receive it.
    /// @dev Requirements: caller holds the pack; status Commissioned or Received; not recalled,
    /// withdrawn, expired, held, suspect, illegitimate or quarantined; consignee a trading
    /// partner other than the caller. Emits {PackShipped}.
    function ship(bytes32 packId, address consignee) external;

    /// @notice Ships up to MAX_BATCH packs to one consignee, all or nothing.
    function shipBatch(bytes32[] calldata packIds, address consignee) external;

    /// @notice Receives a pack shipped to the caller.
    /// @dev Requirements: caller still a trading partner (a revocation stops a pack in transit);
    /// status InTransit; caller is its consignee. Emits {PackReceived}.
    function receivePack(bytes32 packId) external;

    /// @notice Receives up to MAX_BATCH packs shipped to the caller, all or nothing.
    function receiveBatch(bytes32[] calldata packIds) external;

    /// @notice Verifies and decommissions a pack at the pharmacy holding it.
    /// @dev A second dispense does not revert: it emits {DecommissionAlerted} and, when the
    /// caller is not the pharmacy that dispensed it, flags the pack Suspect.
    /// Requirements: PHARMACY_ROLE; first dispense: caller holds the pack, status Received,
    /// pack not blocked. Emits {PackDispensed} or {DecommissionAlerted}.
    /// @return dispensed True when this call decommissioned the pack, false on an alert.
    function dispense(bytes32 packId) external returns (bool dispensed);

    /// @notice Decommissions a pack for a reason other than dispensing (EU FMD statuses).
    /// @dev A pack already decommissioned does not revert: as a second {dispense}, it emits
    /// {DecommissionAlerted} and, when the caller is not the account that decommissioned it, flags
    /// it Suspect. Requirements: a trading partner; `reason` Exported, CheckedOut, Sample,
    /// FreeSample (a manufacturer only), Locked, Destroyed or Stolen; first decommission: caller
    /// holds the pack, status Commissioned or Received (a recalled, expired or held pack may be
    /// decommissioned: destroying it must stay possible). Emits {PackDecommissioned} or {DecommissionAlerted}.
    /// @return decommissioned True when this call decommissioned the pack, false on an alert.
    function decommission(bytes32 packId, PackStatus reason) external returns (bool decommissioned);

    /// @notice Reverts a decommission (dispense included): the pack returns to its previous status.
    /// @dev Requirements: the account that decommissioned the pack, still a trading partner; within
    /// UNDO_WINDOW (10 days, inclusive) of the decommission; not Destroyed or Stolen; lot not
    /// recalled, GTIN not withdrawn, pack not expired. Emits {DecommissionUndone}.
    function undoDecommission(bytes32 packId) external;

    /// @notice Records, as the consignee, that a shipment arrived short or mismatched. Nothing
    /// moves: missing packs stay in transit to the caller, who may still receive them after a recount.
    /// @dev `shipmentId` is the shipment's reference (the ship transaction's hash, or the hash of an
    /// off-chain shipment id); a record per consignee and shipment, a later one replaces it.
    /// Requirements: a trading partner; non-zero reference; 1-MAX_BATCH packs in both lists
    /// together; each missing pack in transit to the caller; no unexpected pack in transit to it,
    /// none zero. Emits {ShipmentExceptionRecorded}.
    function recordShipmentException(
        bytes32 shipmentId,
        bytes32[] calldata missing,
        bytes32[] calldata unexpected,
        bytes32 evidence
    ) external;

    /// @notice Puts packs on cold-chain hold; they cannot move or be dispensed until released.
    /// @dev Requirements: for each pack, caller is its holder, its manufacturer or a regulator;
    /// pack not dispensed and not already held. Emits {ColdChainHoldPlaced} per pack.
    function placeColdChainHold(bytes32[] calldata packIds, bytes32 evidence) external;

    /// @notice Releases cold-chain holds after the manufacturer's quality review.
    /// @dev Requirements: caller is the manufacturer of each pack; each pack held.
    /// Emits {ColdChainHoldReleased} per pack.
    function releaseColdChainHold(bytes32[] calldata packIds) external;

    /// @notice A regulator marks a pack Suspect, Illegitimate or Quarantined.
    /// @dev Requirements: REGULATOR_ROLE; pack exists; flag not yet set. Emits {PackFlagged}.
    function flagPack(bytes32 packId, PackFlag flag) external;

    /// @notice A regulator clears a Suspect, Illegitimate or Quarantined mark.
    /// @dev Requirements: REGULATOR_ROLE; pack exists; flag set. Emits {PackFlagCleared}.
    function clearPackFlag(bytes32 packId, PackFlag flag) external;

    // ---------------------------------------------------------------- anchors

    /// @notice Anchors a document's sha256 for a subject (pack id, lot key, shipment id...).
    /// @dev Requirements: a trading partner or regulator; non-zero digest; CID of 1-128
    /// alphanumeric characters; not yet anchored for the subject. Emits {DocumentAnchored}.
    function anchorDocument(bytes32 subject, bytes32 sha256Digest, string calldata cid) external;

    /// @notice Records the hash of block `blockNumber` of another ledger (e.g. a Fabric channel).
    /// @dev Requirements: ANCHORER_ROLE; non-zero hash; block number above the last anchored
    /// one of that ledger. Emits {BlockAnchored}.
    function anchor(bytes32 ledgerId, uint64 blockNumber, bytes32 blockHash) external;

    // ---------------------------------------------------------------- views

    /// @notice Verifies a scanned pack: GTIN, serial, lot and expiry as printed. A wrong lot or
    /// expiry answers NoMatchGtinSerial (the commitment binds all four), never LotMismatch or
    /// ExpiryMismatch, so a query reveals nothing about any other pack.
    /// @return verified True when the pack may be dispensed.
    /// @return reason `None` when verified, else the first failing reason.
    function verify(uint64 gtin, string calldata serial, string calldata lot, uint24 expiry)
        external
        view
        returns (bool verified, VerifyReason reason);

    /// @notice The commitment (id) of the pack printed with these identifiers. Call it locally
    /// (eth_call): a sent transaction would publish the identifiers.
    function packIdOf(uint64 gtin, string calldata serial, string calldata lot, uint24 expiry)
        external
        pure
        returns (bytes32);

    /// @notice The stored pack (status None when it does not exist).
    function packOf(bytes32 packId) external view returns (PackRecord memory);

    /// @notice How a decommissioned pack got there: its status, its status before, who and when
    /// (all zero when the pack is not decommissioned).
    function decommissionOf(bytes32 packId)
        external
        view
        returns (PackStatus status, PackStatus previousStatus, address decommissionedBy, uint32 decommissionedAt);

    /// @notice The last shipment exception `consignee` recorded for `shipmentId`: when, and how
    /// many packs were missing and unexpected (all zero when none).
    function shipmentExceptionOf(address consignee, bytes32 shipmentId)
        external
        view
        returns (uint40 recordedAt, uint16 missing, uint16 unexpected);

    /// @notice The stored lot (state None when it does not exist).
    function lotOf(uint32 lotId) external view returns (LotRecord memory);

    /// @notice The id of a lot by its commitment {lotKeyOf}, 0 when not registered.
    function lotIdOf(bytes32 lotKey) external view returns (uint32);

    /// @notice The commitment of a lot number of a GTIN (call it locally, as {packIdOf}).
    function lotKeyOf(uint64 gtin, string calldata lot) external pure returns (bytes32);

    /// @notice The stored GTIN master data (manufacturer zero when not registered).
    function gtinOf(uint64 gtin) external view returns (GtinRecord memory);

    /// @notice The manufacturer a GTIN is assigned to (zero address: unassigned).
    function gtinAssigneeOf(uint64 gtin) external view returns (address);

    /// @notice Who anchored a document for a subject and when (zero when not anchored).
    function documentAnchorOf(bytes32 subject, bytes32 sha256Digest)
        external
        view
        returns (address anchoredBy, uint64 anchoredAt);

    /// @notice The anchored hash of a block of another ledger (zero when not anchored).
    function anchoredBlockHash(bytes32 ledgerId, uint64 blockNumber) external view returns (bytes32);

    /// @notice The highest anchored block number of a ledger; `exists` false when none.
    function latestAnchor(bytes32 ledgerId) external view returns (bool exists, uint64 blockNumber);
}
