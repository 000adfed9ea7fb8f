// Copied unchanged (below this header) from ../shared/baseline/SeedSupplyChain.sol, the naive
// contract the gas benchmark (scripts/bench/gas.ts, docs/solidity.md) measures against. Bench-only: never deployed, excluded from coverage.
// SPDX-License-Identifier: MIT
// Solidity smart contract example
pragma solidity ^0.8.0;

contract SeedSupplyChain {
    enum State { Created, InTransit, Delivered, Verified }

    struct Product {
        uint256 id;
        string name;
        address manufacturer;
        address currentOwner;
        State state;
        uint256 timestamp;
    }

    mapping(uint256 => Product) public products;
    mapping(uint256 => address[]) public productHistory;

    event ProductCreated(uint256 indexed productId, address manufacturer);
    event ProductTransferred(uint256 indexed productId, address from, address to);
    event ProductStateChanged(uint256 indexed productId, State newState);

    function createProduct(uint256 _id, string memory _name) public {
        require(products[_id].id == 0, "Product already exists");

        products[_id] = Product({
            id: _id,
            name: _name,
            manufacturer: msg.sender,
            currentOwner: msg.sender,
            state: State.Created,
            timestamp: block.timestamp
        });

        productHistory[_id].push(msg.sender);
        emit ProductCreated(_id, msg.sender);
    }

    function transferProduct(uint256 _id, address _to) public {
        Product storage product = products[_id];
        require(product.currentOwner == msg.sender, "Not the owner");
        require(_to != address(0), "Invalid address");

        address previousOwner = product.currentOwner;
        product.currentOwner = _to;
        product.timestamp = block.timestamp;

        productHistory[_id].push(_to);
        emit ProductTransferred(_id, previousOwner, _to);
    }
}
