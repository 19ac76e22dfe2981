package squashfs

import (
	"encoding/binary"
	"fmt"
)

// xattrPrefixes are the name prefixes of the stored xattr types.
var xattrPrefixes = [...]string{0: "user.", 1: "trusted.", 2: "security."}

// xattrOutOfLine marks an xattr type whose value is stored elsewhere.
const xattrOutOfLine = 0x100

// maxXattrValue bounds one xattr value (Linux allows 64 KiB).
const maxXattrValue = 1 << 16

func (r *Reader) readXattrIndex() error {
	sb := &r.sb
	if sb.XattrTableStart == NoTable {
		return nil
	}
	if sb.XattrTableStart > uint64(r.limit)-16 {
		return formatErrorf(56, "xattr table at %#x outside the image of %d bytes", sb.XattrTableStart, r.limit)
	}
	var h [16]byte
	if err := r.readAt(h[:], int64(sb.XattrTableStart)); err != nil {
		return fmt.Errorf("reading xattr table: %w", err)
	}
	kv := binary.LittleEndian.Uint64(h[:])
	count := binary.LittleEndian.Uint32(h[8:])
	if kv < SuperblockSize || kv >= sb.XattrTableStart {
		return formatErrorf(int64(sb.XattrTableStart), "xattr key/value blocks at %#x outside the image", kv)
	}
	index, err := r.readLookupIndex("xattr id", sb.XattrTableStart+16, uint64(count), 16)
	if err != nil {
		return err
	}
	r.xattrKV, r.xattrIndex, r.xattrStart, r.xattrCount = int64(kv), index, int64(sb.XattrTableStart), count
	return nil
}

// readXattrs decodes the extended attributes with index i.
func (r *Reader) readXattrs(i uint32) (map[string][]byte, error) {
	if i >= r.xattrCount {
		return nil, formatErrorf(r.xattrStart, "xattr index %d past the %d of the table", i, r.xattrCount)
	}
	le := binary.LittleEndian
	b, err := r.lookupEntry("xattr id", r.xattrIndex, r.xattrStart+16, uint64(i), 16)
	if err != nil {
		return nil, err
	}
	ref, count := le.Uint64(b), le.Uint32(b[8:])
	blk, off := splitRef(ref)
	c, err := r.cursor(r.xattrKV, r.xattrStart, blk, off)
	if err != nil {
		return nil, fmt.Errorf("xattrs %d: %w", i, err)
	}
	out := map[string][]byte{}
	for k := uint32(0); k < count; k++ {
		h, err := c.read(4)
		if err != nil {
			return nil, err
		}
		typ, nlen := le.Uint16(h), int(le.Uint16(h[2:]))
		if int(typ&^xattrOutOfLine) >= len(xattrPrefixes) {
			return nil, c.errorf("xattr of unknown type %#x", typ)
		}
		name, err := c.read(nlen)
		if err != nil {
			return nil, err
		}
		full := xattrPrefixes[typ&^xattrOutOfLine] + string(name)
		vh, err := c.read(4)
		if err != nil {
			return nil, err
		}
		vlen := le.Uint32(vh)
		if vlen > maxXattrValue {
			return nil, c.errorf("xattr %q value of %d bytes", full, vlen)
		}
		v, err := c.read(int(vlen))
		if err != nil {
			return nil, err
		}
		if typ&xattrOutOfLine != 0 {
			if vlen != 8 {
				return nil, c.errorf("out-of-line xattr %q reference of %d bytes", full, vlen)
			}
			vb, voff := splitRef(le.Uint64(v))
			vc, err := r.cursor(r.xattrKV, r.xattrStart, vb, voff)
			if err != nil {
				return nil, err
			}
			if vh, err = vc.read(4); err != nil {
				return nil, err
			}
			if vlen = le.Uint32(vh); vlen > maxXattrValue {
				return nil, vc.errorf("xattr %q value of %d bytes", full, vlen)
			}
			if v, err = vc.read(int(vlen)); err != nil {
				return nil, err
			}
		}
		out[full] = append([]byte(nil), v...)
	}
	return out, nil
}
