// For tests of the RocksDB tier: a scratch directory and a store in it.
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "storage/tier/tier_store.h"

namespace tierkv::test {

// A fresh directory under the system's temp folder, removed afterwards.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string name = "tierkv-unit-";
        name.append(std::to_string(::getpid())).append("-").append(std::to_string(counter()++));
        path = std::filesystem::temp_directory_path() / name;
        std::filesystem::remove_all(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

inline std::unique_ptr<storage::TierStore> open_store(const TempDir& dir) {
    storage::TierOptions options;
    options.dir = dir.path.string();
    options.databases = 4;
    std::string error;
    auto store = storage::TierStore::open(options, error);
    INFO(error);
    REQUIRE(store);
    return store;
}

}  // namespace tierkv::test
