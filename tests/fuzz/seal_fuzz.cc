// libFuzzer harness for the opening of sealed control datagrams (daemon/seal.h Sealer::open),
// the first thing smegd does with every UDP datagram from anyone. The receiver is in two meshes
// with fixed secrets. The first byte picks a mode:
//   0  the rest is a datagram from a stranger: it must be refused, for a reason that is not
//      about its contents (no stranger can pass the tag), and the refusal counted;
//   1  a datagram a member sealed, with bytes flipped (triples: offset, offset, xor), then cut
//      short (one byte left over: by that many bytes) or extended (two left over): refused
//      unless nothing changed, and then opened to the very plaintext that was sealed;
//   2  a member (or the receiver itself) seals arbitrary plaintext under the mesh key, as the
//      header describes, with a chosen sender and counter: it opens only when the inner header
//      agrees with the envelope, and never twice.
#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "core/messages.h"
#include "daemon/seal.h"

namespace {

using Bytes = std::vector<uint8_t>;
using namespace smeg;
using namespace smeg::daemon;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n", what, detail.c_str());
  std::abort();
}

PublicKey key(uint8_t fill) {
  PublicKey k;
  k.bytes.fill(fill);
  return k;
}

MeshSecret secret(uint8_t fill) {
  std::array<uint8_t, 32> b;
  b.fill(fill);
  return MeshSecret::from_bytes(b);
}

const char* const kMeshes[] = {"alpha", "beta"};
const PublicKey kMember = key(0xa1);
const PublicKey kReceiver = key(0xb0);

Sealer receiver() {
  Sealer s(kReceiver, 1);
  if (!s.add_mesh(kMeshes[0], secret(0x11)) || !s.add_mesh(kMeshes[1], secret(0x22))) {
    fail("cannot add the meshes", "");
  }
  return s;
}

// The envelope as daemon/seal.h describes it, byte by byte.
Bytes seal_by_hand(const char* mesh_id, const MeshSecret& s, const PublicKey& sender,
                   uint64_t counter, std::span<const uint8_t> plaintext) {
  const MeshKeys k = derive_mesh_keys(mesh_id, s);
  Bytes out = {kSealMagic, kSealVersion};
  out.insert(out.end(), k.tag.begin(), k.tag.end());
  out.insert(out.end(), sender.bytes.begin(), sender.bytes.end());
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(counter >> (8 * i)));
  std::array<uint8_t, 24> nonce{};
  static const char kLabel[] = "smegmesh seal nonce v1";  // with its NUL: 23 bytes
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 16);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(kLabel), sizeof kLabel);
  crypto_generichash_update(&st, sender.bytes.data(), sender.bytes.size());
  crypto_generichash_final(&st, nonce.data(), 16);
  std::copy(out.begin() + 42, out.begin() + 50, nonce.begin() + 16);
  out.resize(kEnvelopeHeader + plaintext.size() + 16);
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out.data() + kEnvelopeHeader, nullptr, plaintext.data(), plaintext.size(), out.data(),
      kEnvelopeHeader, nullptr, nonce.data(), k.aead_key.data());
  return out;
}

// Opens, checking that a refusal is counted under its reason and its message starts with it.
Result<Opened> open_checked(Sealer& s, const Bytes& datagram, SealError& reason) {
  const SealStats before = s.stats();
  auto r = s.open(datagram, &reason);
  if (r) {
    if (s.stats().opened != before.opened + 1) fail("an opening not counted", "");
    return r;
  }
  const std::string name = seal_error_name(reason);
  if (r.status().message().rfind(name + ": ", 0) != 0) {
    fail("refusal without its reason", r.status().message());
  }
  if (s.stats().rejections(reason) != before.rejections(reason) + 1) fail("not counted", name);
  return r;
}

void stranger(std::span<const uint8_t> input) {
  Sealer s = receiver();
  SealError reason{};
  auto r = open_checked(s, Bytes(input.begin(), input.end()), reason);
  if (r) fail("a stranger's datagram opened", r->mesh_id);
  if (reason != SealError::kNotSealed && reason != SealError::kUnknownMesh &&
      reason != SealError::kBadTag && reason != SealError::kTooLarge) {
    fail("a stranger's datagram passed the tag", seal_error_name(reason));
  }
}

void flipped(std::span<const uint8_t> input) {
  if (input.empty()) return;
  const char* mesh = kMeshes[input[0] & 1];
  input = input.subspan(1);
  Sealer member(kMember, 1000);
  if (!member.add_mesh(kMeshes[0], secret(0x11)) || !member.add_mesh(kMeshes[1], secret(0x22))) {
    fail("cannot add the meshes", "");
  }
  Message m;
  m.header = {MessageType::kSync, mesh, kMember};
  m.body = SyncMsg{42, 3, {}};
  const Bytes plaintext = encode_message(m);
  auto sealed = member.seal(mesh, plaintext);
  if (!sealed) fail("cannot seal", sealed.status().to_string());
  Bytes datagram = *sealed;
  for (; input.size() >= 3; input = input.subspan(3)) {
    datagram[((size_t{input[0]} << 8) | input[1]) % datagram.size()] ^= input[2];
  }
  if (input.size() == 1) datagram.resize(datagram.size() - std::min<size_t>(input[0], 60));
  if (input.size() == 2) datagram.insert(datagram.end(), input.begin(), input.end());

  Sealer s = receiver();
  SealError reason{};
  auto r = open_checked(s, datagram, reason);
  if (datagram == *sealed) {
    if (!r) fail("an intact datagram refused", r.status().to_string());
    if (r->mesh_id != mesh || r->sender != kMember || r->plaintext != plaintext) {
      fail("an intact datagram opened to something else", r->mesh_id);
    }
  } else if (r) {
    fail("a changed datagram opened", r->mesh_id);
  } else if (reason == SealError::kReplay || reason == SealError::kHeaderMismatch) {
    fail("a changed datagram passed the tag", seal_error_name(reason));
  }
}

void member(std::span<const uint8_t> input) {
  if (input.size() < 9) return;
  const size_t mesh = input[0] & 1;
  const PublicKey sender = (input[0] & 2) ? kReceiver : kMember;
  uint64_t counter = 0;
  for (size_t i = 1; i < 9; ++i) counter = (counter << 8) | input[i];
  const std::span<const uint8_t> plaintext = input.subspan(9);
  if (plaintext.size() > kMaxSealedPlaintext) return;
  const Bytes datagram =
      seal_by_hand(kMeshes[mesh], secret(mesh == 0 ? 0x11 : 0x22), sender, counter, plaintext);

  Sealer s = receiver();
  SealError reason{};
  auto r = open_checked(s, datagram, reason);
  auto header = decode_message_header(plaintext);
  const bool agrees = header && header->mesh_id == kMeshes[mesh] && header->sender == sender;
  if (r) {
    if (!agrees || sender == kReceiver) fail("opened with a disagreeing header or from self", "");
    if (r->mesh_id != kMeshes[mesh] || r->counter != counter ||
        !std::equal(r->plaintext.begin(), r->plaintext.end(), plaintext.begin(), plaintext.end())) {
      fail("opened to something else", r->mesh_id);
    }
    auto again = open_checked(s, datagram, reason);
    if (again || reason != SealError::kReplay) fail("a replay opened", "");
    return;
  }
  if (reason != SealError::kHeaderMismatch && reason != SealError::kReplay) {
    fail("an authentic datagram refused for its envelope", r.status().message());
  }
  if (reason == SealError::kHeaderMismatch && agrees) fail("agreeing header refused", "");
  if (reason == SealError::kReplay && (!agrees || sender != kReceiver)) {
    fail("refused as a replay on first sight", r.status().message());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      stranger(rest);
      break;
    case 1:
      flipped(rest);
      break;
    default:
      member(rest);
      break;
  }
  return 0;
}
