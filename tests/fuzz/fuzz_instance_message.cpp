// libFuzzer target: the line a second `maria2` sends to the running one over the local socket
// (src/gui/SingleInstance: parseInstanceMessage, Qt Core's JSON only). A line is refused with a
// reason, or gives a message that encodes and parses back to itself.
#include "FuzzCheck.h"

#include "SingleInstance.h"

#include <QByteArray>
#include <QString>

#include <cstddef>
#include <cstdint>

using namespace maria2;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The server splits at '\n' and passes the line without it.
    const QByteArray line(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    QString error;
    const auto message = gui::parseInstanceMessage(line, &error);
    if (!message) {
        MARIA2_FUZZ_CHECK(!error.isEmpty(), "message refused without saying why");
        return 0;
    }
    for (const QString& url : message->urls) {
        MARIA2_FUZZ_CHECK(!url.isEmpty(), "an empty URL accepted");
    }
    QByteArray encoded = gui::encodeInstanceMessage(*message);
    MARIA2_FUZZ_CHECK(encoded.endsWith('\n') && encoded.count('\n') == 1,
                      "an encoded message is not exactly one line");
    encoded.chop(1);
    // Longer than the limit only if the URLs grew by escaping; then a refusal is right.
    if (encoded.size() <= gui::kMaxInstanceMessageBytes) {
        const auto again = gui::parseInstanceMessage(encoded, &error);
        MARIA2_FUZZ_CHECK(again && again->urls == message->urls && again->show == message->show,
                          "a message does not survive encode + parse");
    }
    return 0;
}
