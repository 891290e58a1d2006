#include "server/tls.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace tierkv::server {
namespace {

// OpenSSL's reason for a failed load.
std::string openssl_reason(const asio::error_code& ec) {
    const std::string text = ec.message();
    return text.empty() ? std::string("unknown OpenSSL error") : text;
}

// A missing or unreadable file gets the system's reason, not OpenSSL's.
std::optional<std::string> check_readable(std::string_view setting, const std::string& path) {
    if (path.empty()) return std::string(setting).append(" is not set (needed with tls-port)");
    std::ifstream in(path);
    if (!in) return std::string(setting).append(" '").append(path).append("': ").append(std::strerror(errno));
    return std::nullopt;
}

std::string failed(std::string_view setting, const std::string& path, const asio::error_code& ec) {
    return std::string(setting).append(" '").append(path).append("': ").append(openssl_reason(ec));
}

}  // namespace

std::optional<std::string> configure_tls(const Config& config, asio::ssl::context& context) {
    // As Redis: client certificates are checked unless tls-auth-clients is
    // no, and they can only be checked against a CA.
    if (config.tls_auth_clients != "no" && config.tls_ca_cert_file.empty() && config.tls_ca_cert_dir.empty()) {
        return "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-auth-clients is enabled "
               "(tls-auth-clients no accepts clients without certificates)";
    }
    asio::error_code ec;
    if (auto err = check_readable("tls-cert-file", config.tls_cert_file)) return err;
    if (auto err = check_readable("tls-key-file", config.tls_key_file)) return err;
    context.use_certificate_chain_file(config.tls_cert_file, ec);
    if (ec) return failed("tls-cert-file", config.tls_cert_file, ec);
    context.use_private_key_file(config.tls_key_file, asio::ssl::context::pem, ec);
    const bool mismatch = ec ? ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH
                             : SSL_CTX_check_private_key(context.native_handle()) != 1;
    if (mismatch) {
        ERR_clear_error();
        return "tls-key-file '" + config.tls_key_file + "' is not the key of tls-cert-file '" + config.tls_cert_file +
               "'";
    }
    if (ec) return failed("tls-key-file", config.tls_key_file, ec);

    if (!config.tls_ca_cert_file.empty()) {
        if (auto err = check_readable("tls-ca-cert-file", config.tls_ca_cert_file)) return err;
        context.load_verify_file(config.tls_ca_cert_file, ec);
        if (ec) return failed("tls-ca-cert-file", config.tls_ca_cert_file, ec);
        // Tells clients which CAs their certificate should come from.
        if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.tls_ca_cert_file.c_str())) {
            SSL_CTX_set_client_CA_list(context.native_handle(), names);
        }
    }
    if (!config.tls_ca_cert_dir.empty()) {
        context.add_verify_path(config.tls_ca_cert_dir, ec);
        if (ec) return failed("tls-ca-cert-dir", config.tls_ca_cert_dir, ec);
    }
    if (config.tls_auth_clients == "yes") {
        context.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    } else if (config.tls_auth_clients == "optional") {
        context.set_verify_mode(asio::ssl::verify_peer);
    } else {
        context.set_verify_mode(asio::ssl::verify_none);
    }
    // Sessions resumed with a client certificate need a context id.
    static constexpr unsigned char kSessionContext[] = "tierkv";
    SSL_CTX_set_session_id_context(context.native_handle(), kSessionContext, sizeof(kSessionContext) - 1);

    const unsigned versions = parse_tls_protocols(config.tls_protocols).value_or(0b1100);
    asio::ssl::context::options options = asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                                          asio::ssl::context::no_sslv3 | asio::ssl::context::single_dh_use;
    if (!(versions & 1u)) options |= asio::ssl::context::no_tlsv1;
    if (!(versions & 2u)) options |= asio::ssl::context::no_tlsv1_1;
    if (!(versions & 4u)) options |= asio::ssl::context::no_tlsv1_2;
    if (!(versions & 8u)) options |= asio::ssl::context::no_tlsv1_3;
    context.set_options(options);
    return std::nullopt;
}

}  // namespace tierkv::server
