#include "session/QtDigest.h"

#include <QCryptographicHash>

namespace maria2 {
namespace {

class QtDigest final : public Digest {
public:
    explicit QtDigest(QCryptographicHash::Algorithm algorithm)
        : m_hash(algorithm) {}
    void update(const char* data, std::size_t size) override {
        m_hash.addData(QByteArrayView(data, static_cast<qsizetype>(size)));
    }
    std::string hexDigest() override { return m_hash.result().toHex().toStdString(); }

private:
    QCryptographicHash m_hash;
};

} // namespace

DigestFactory qtDigestFactory() {
    return [](const std::string& algorithm) -> std::unique_ptr<Digest> {
        if (algorithm == "md5") {
            return std::make_unique<QtDigest>(QCryptographicHash::Md5);
        }
        if (algorithm == "sha-1") {
            return std::make_unique<QtDigest>(QCryptographicHash::Sha1);
        }
        if (algorithm == "sha-256") {
            return std::make_unique<QtDigest>(QCryptographicHash::Sha256);
        }
        if (algorithm == "sha-512") {
            return std::make_unique<QtDigest>(QCryptographicHash::Sha512);
        }
        return nullptr;
    };
}

} // namespace maria2
