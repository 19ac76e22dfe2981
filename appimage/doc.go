// Package appimage handles a type-2 AppImage as a whole: an ELF runtime
// followed, at the runtime's ELF end, by a squashfs image, with metadata in
// four zero-filled ELF sections of the runtime (.digest_md5, .upd_info,
// .sha256_sig, .sig_key). It knows the layout, not how to build squashfs.
//
// Building:
//
//	res, err := appimage.Create("App-x86_64.AppImage", appimage.Options{
//		Runtime:    runtimeBytes,             // checked with CheckRuntime
//		UpdateInfo: "gh-releases-zsync|o|r|latest|App-*x86_64.AppImage.zsync",
//		SignKey:    key,                      // optional, from ReadSigningKey
//	}, func(w io.WriterAt) error {
//		sw, err := squashfs.NewWriter(w, squashfs.WriterOptions{})
//		... // add entries
//		return sw.Close()
//	})
//
// Create writes the runtime, then lets the callback write the squashfs image
// through an io.WriterAt whose offset 0 is the runtime's end (one pass, no
// second copy), fills the sections (update information, digest, signature),
// and renames the temporary file into place with mode 0755. When update
// information is set it then writes OUTPUT.zsync next to the output.
//
// Existing AppImages (ours or any type-2 AppImage): Open reads what inspect
// shows, Sign signs one in place, Verify checks its signature, Digest and
// WriteZsync compute the MD5 digest and the zsync control file.
//
// # Definitions
//
// Digest (.digest_md5) is the MD5 of the whole file with the bytes of
// .digest_md5, .sha256_sig and .sig_key read as zeros. appimagetool's C code
// (src/digest.c, shared with libappimage) means the same but computes
// something else: it skips those sections without zeroing its buffer and
// always hashes whole 4096-byte chunks, so its result depends on stale buffer
// bytes and on the file length modulo 4096. No verifier recomputes the
// digest, so goappimage uses the definition, and inspect reports whether the
// stored digest matches it.
//
// Signature (.sha256_sig) follows AppImageUpdate: an ASCII-armored detached
// OpenPGP signature (text mode) of the lowercase hex SHA-256 of the file with
// .sha256_sig and .sig_key zeroed; .sig_key holds the signer's armored public
// key. Anyone can check it with gpg: extract both sections, compute the hex
// digest, then "gpg --verify sig digest.txt".
package appimage
