# nix-build nix            builds goappimage
# nix-build nix -A example builds an AppImage with it (see example.nix)
{ pkgs ? import <nixpkgs> { } }:

let
  goappimage = pkgs.callPackage ./goappimage.nix { };
in
goappimage // {
  example = pkgs.callPackage ./example.nix { inherit goappimage; };
}
