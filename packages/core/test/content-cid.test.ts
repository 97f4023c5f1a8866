import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { computeCid, toCidV0 } from '../src/content/cid.js';

/**
 * Ground truth from Kubo's own tests (github.com/ipfs/kubo), all with `ipfs add` default settings:
 * - test/sharness/t0040-add-and-cat.sh: "zero length file has correct hash" (empty file), `echo "Hello Worlds!"`
 *   → hello.txt, `echo "Hello Jupiter!" | ipfs add -q`, `printf "Hello Neptune!\nHello Pluton!" | ipfs add`.
 * - test/cli/add_test.go (shortStringCidV0) and test/cli/cid_profiles_test.go (unixfsV02015.SmallFileCID):
 *   "hello world" without a newline.
 * - test/cli/cid_profiles_test.go, profile unixfs-v0-2015, which its "default" case asserts is Kubo's implicit
 *   default (also add_test.go "legacy-cid-v0 applies UnixFSChunker=size-262144 and UnixFSFileMaxLinks"):
 *   FileAtMaxLinksCID = 44544 KiB (174 chunks, one level of 174 links) and FileOverMaxLinksCID = 44800 KiB
 *   (175 chunks, rebalanced to a root of 2 links), both of IPFSAddDeterministic(size, "v0-seed").
 *   Those bytes are test/cli/testutils/random_deterministic.go's DeterministicRandomReader: the ChaCha20
 *   keystream (x/crypto/chacha20, key = SHA-256(seed), 12-byte zero nonce, counter from 0) — in Node,
 *   'chacha20' with a 16-byte IV of counter ‖ nonce, all zero.
 */
const SMALL: Array<[string, string]> = [
  ['', 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'],
  ['hello world', 'Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD'],
  ['Hello Worlds!\n', 'QmVr26fY1tKyspEJBniVhqxQeEjhF78XerGiqWAwraVLQH'],
  ['Hello Jupiter!\n', 'QmUnvPcBctVTAcJpigv6KMqDvmDewksPWrNVoy1E1WP5fh'],
  ['Hello Neptune!\nHello Pluton!', 'QmZDhWpi8NvKrekaYYhxKCdNVGWsFFe1CREnAjP1QbPaB3'],
];

const KiB = 1024;

/** Kubo's DeterministicRandomReader(size, seed), in chunks of `chunkSize` (the CID must not depend on them). */
export async function* kuboDeterministicBytes(size: number, seed: string, chunkSize = 1024 * KiB): AsyncGenerator<Uint8Array> {
  const cipher = createCipheriv('chacha20', createHash('sha256').update(seed, 'utf8').digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(chunkSize);
  for (let done = 0; done < size; done += chunkSize) yield cipher.update(zeros.subarray(0, Math.min(chunkSize, size - done)));
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

describe('computeCid reproduces `ipfs add` (Kubo defaults: CIDv0, 256 KiB chunks, 174 links, no raw leaves)', () => {
  for (const [text, cid] of SMALL) {
    it(`${JSON.stringify(text)} → ${cid}`, async () => {
      assert.equal(await computeCid(once(Buffer.from(text, 'utf8'))), cid);
    });
  }

  it('does not depend on how the stream is chunked (one byte at a time, or nothing at all)', async () => {
    async function* bytewise() {
      for (const b of Buffer.from('Hello Worlds!\n')) yield Uint8Array.of(b);
    }
    assert.equal(await computeCid(bytewise()), 'QmVr26fY1tKyspEJBniVhqxQeEjhF78XerGiqWAwraVLQH');
    async function* nothing(): AsyncGenerator<Uint8Array> {}
    assert.equal(await computeCid(nothing()), 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH');
  });

  it('174 chunks of 256 KiB: one level of 174 links (cid_profiles_test.go FileAtMaxLinksCID)', async () => {
    assert.equal(await computeCid(kuboDeterministicBytes(44544 * KiB, 'v0-seed', 100_000)), 'QmUbBALi174SnogsUzLpYbD4xPiBSFANF4iztWCsHbMKh2');
  });

  it('175 chunks: rebalanced into two levels (cid_profiles_test.go FileOverMaxLinksCID)', async () => {
    assert.equal(await computeCid(kuboDeterministicBytes(44800 * KiB, 'v0-seed')), 'QmepeWtdmS1hHXx1oZXsPUv6bMrfRRKfZcoPPU4eEfjnbf');
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    async function* endless() {
      for (let i = 0; ; i++) {
        if (i === 3) controller.abort(new Error('stop'));
        yield Buffer.alloc(64 * KiB);
      }
    }
    await assert.rejects(computeCid(endless(), { signal: controller.signal }), /stop/);
  });
});

describe('toCidV0', () => {
  it('accepts CIDv0 and the CIDv1 dag-pb sha2-256 form of the same CID', () => {
    assert.equal(toCidV0('QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'), 'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH');
  });

  it('maps t0040\'s `ipfs add --cid-base=base32` of "base32 test\\n" to the CIDv0 of the same bytes', async () => {
    // t0040-add-and-cat.sh: HASHb32 of mountdir/base32-test.txt; its CIDv0 form is what `ipfs add` prints by default.
    const v1 = 'bafybeibyosqxljd2eptb4ebbtvk7pb4aoxzqa6ttdsflty6rsslz5y6i34';
    assert.equal(toCidV0(v1), await computeCid(once(Buffer.from('base32 test\n'))));
  });

  it('refuses raw-leaf CIDs and garbage', () => {
    assert.equal(toCidV0('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'), undefined);
    assert.equal(toCidV0('not-a-cid'), undefined);
    assert.equal(toCidV0(''), undefined);
  });
});
