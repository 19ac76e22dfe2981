package appdir

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite generated files in testdata")

// exampleDir is the project's example AppDir, which the README builds.
const exampleDir = "../testdata/example.AppDir"

// exampleIcon draws the example's 256x256 icon: a blue disc with a white
// triangle on a transparent background.
func exampleIcon() *image.NRGBA {
	const size = 256
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			dx, dy := float64(x)-127.5, float64(y)-127.5
			if dx*dx+dy*dy > 120*120 {
				continue
			}
			c := color.NRGBA{R: 0x1f, G: 0x6f, B: 0xd0, A: 0xff}
			// A "play" triangle: x from 96 to 176, within the lines
			// through (96,72)-(176,128) and (96,184)-(176,128).
			if x >= 96 && x <= 176 {
				half := 56 * float64(176-x) / 80
				if float64(y) >= 128-half && float64(y) <= 128+half {
					c = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
				}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// TestExampleIcon checks that example.png holds exactly the pixels
// exampleIcon draws; go test ./appdir -run TestExampleIcon -update
// regenerates the file.
func TestExampleIcon(t *testing.T) {
	path := filepath.Join(exampleDir, "example.png")
	want := exampleIcon()
	if *update {
		var b bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&b, want); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test ./appdir -run TestExampleIcon -update)", err)
	}
	defer f.Close()
	got, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bounds() != want.Bounds() {
		t.Fatalf("bounds %v, want %v", got.Bounds(), want.Bounds())
	}
	for y := 0; y < 256; y++ {
		for x := 0; x < 256; x++ {
			if g, w := color.NRGBAModel.Convert(got.At(x, y)), want.At(x, y); g != w {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, g, w)
			}
		}
	}
}
