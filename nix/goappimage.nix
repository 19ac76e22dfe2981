# goappimage built from this checkout with buildGoModule: one static binary,
# no cgo, no network at run time. Tests are not run here (they need FUSE,
# loop mounts and witness tools); CI runs them.
#
# go.mod asks for Go 1.26: with a nixpkgs whose default Go is older, call
# this with buildGoModule = buildGo126Module (or the newest buildGo1xxModule).
#
# vendorHash is the hash of `go mod vendor`; nix/vendorhash_test.go checks it
# against go.mod and go.sum (`go test ./nix -update` rewrites it).
{ lib, buildGoModule }:

buildGoModule rec {
  pname = "goappimage";
  version = "0.1.0";

  src = lib.cleanSourceWith {
    src = ../.;
    # Only what the Go build reads, so that editing docs or nix files does
    # not rebuild the binary.
    filter = path: type:
      let rel = lib.removePrefix (toString ../. + "/") (toString path);
      in !(lib.hasPrefix "nix" rel || lib.hasPrefix ".git" rel || lib.hasSuffix ".md" rel);
  };

  vendorHash = "sha256-eu/JrqIEUmOJYEbwxaR5wUFIZg8ECItxT2HRaFZcaNQ=";

  subPackages = [ "cmd/goappimage" ];
  env.CGO_ENABLED = 0;
  ldflags = [ "-s" "-w" "-X main.version=${version}" ];
  doCheck = false;

  meta = {
    description = "Build, inspect and verify AppImages with one static binary";
    homepage = "https://github.com/goappimage/goappimage";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
    mainProgram = "goappimage";
  };
}
