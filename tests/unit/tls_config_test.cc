// The tls-* settings: parsing, and start-up errors that name the file at fault.
#include <catch2/catch.hpp>

#include "server/config.h"
#include "server/tls.h"

using namespace tierkv::server;

TEST_CASE("tls-protocols lists TLS versions, any case") {
    CHECK(parse_tls_protocols("TLSv1.2 TLSv1.3") == 0b1100u);
    CHECK(parse_tls_protocols("tlsv1.3") == 0b1000u);
    CHECK(parse_tls_protocols("  TLSv1  TLSv1.1 ") == 0b0011u);
    CHECK_FALSE(parse_tls_protocols("").has_value());
    CHECK_FALSE(parse_tls_protocols("SSLv3").has_value());
    CHECK_FALSE(parse_tls_protocols("TLSv1.2,TLSv1.3").has_value());

    Config c;
    const ConfigParam* protocols = find_config_param("tls-protocols");
    REQUIRE(protocols != nullptr);
    CHECK(protocols->set(c, "TLSv1.4").has_value());
    CHECK(c.tls_protocols == "TLSv1.2 TLSv1.3");
    CHECK_FALSE(protocols->set(c, "TLSv1.3").has_value());
    CHECK(c.tls_protocols == "TLSv1.3");
}

TEST_CASE("tls-auth-clients is yes, no or optional, tls-port a port") {
    Config c;
    CHECK(c.tls_auth_clients == "yes");
    CHECK(c.tls_port == 0);
    const ConfigParam* auth = find_config_param("tls-auth-clients");
    CHECK_FALSE(auth->set(c, "OPTIONAL").has_value());
    CHECK(c.tls_auth_clients == "optional");
    CHECK(auth->set(c, "maybe").has_value());
    CHECK(find_config_param("tls-port")->set(c, "70000").has_value());
    CHECK_FALSE(find_config_param("tls-port")->set(c, "6380").has_value());
    CHECK(c.tls_port == 6380);
    CHECK_FALSE(find_config_param("tls-cert-file")->runtime_settable);
}

TEST_CASE("TLS start-up errors name the setting and the file") {
    asio::ssl::context context(asio::ssl::context::tls_server);
    Config c;
    c.tls_port = 6380;
    c.tls_cert_file = "/nonexistent/server.crt";
    c.tls_key_file = "/nonexistent/server.key";

    auto err = configure_tls(c, context);  // client certificates, but no CA
    REQUIRE(err.has_value());
    CHECK(err->find("tls-ca-cert-file or tls-ca-cert-dir") != std::string::npos);

    c.tls_auth_clients = "no";
    err = configure_tls(c, context);
    REQUIRE(err.has_value());
    CHECK(err->find("tls-cert-file '/nonexistent/server.crt'") != std::string::npos);
    CHECK(err->find("No such file or directory") != std::string::npos);

    c.tls_cert_file = std::string(TIERKV_SOURCE_DIR) + "/README.md";  // readable, not a certificate
    err = configure_tls(c, context);
    REQUIRE(err.has_value());
    CHECK(err->find("tls-key-file '/nonexistent/server.key'") != std::string::npos);

    c.tls_key_file = c.tls_cert_file;
    err = configure_tls(c, context);
    REQUIRE(err.has_value());
    CHECK(err->find("tls-cert-file '" + c.tls_cert_file + "'") != std::string::npos);
}
