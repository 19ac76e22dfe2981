# An AppImage built inside the Nix sandbox: no network, no $HOME, a
# read-only store where every mtime is 1.
#
# The AppDir is a symlink forest (symlinkJoin), as buildEnv makes them:
# every file is a link into the store. goappimage follows links that leave
# the AppDir and packs their targets, keeps links inside it as links, and
# never writes into the AppDir (.DirIcon and X-AppImage-Version go into the
# image only). The result is byte-identical on every machine.
{ lib, runCommand, symlinkJoin, goappimage }:

let
  # The example AppDir of the repository, copied into the store.
  example = builtins.path { path = ../testdata/example.AppDir; name = "example.AppDir"; };

  appDir = symlinkJoin {
    name = "example-appdir";
    paths = [ example ];
  };
in
runCommand "example-appimage" {
  nativeBuildInputs = [ goappimage ];
  # Nix sets SOURCE_DATE_EPOCH=315532800 (1980); goappimage uses it for
  # every timestamp in the image.
} ''
  mkdir -p $out
  cd $out
  VERSION=1.0 goappimage build --json ${appDir} > $out/build.json
  ls -l $out
''
