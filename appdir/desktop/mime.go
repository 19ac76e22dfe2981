package desktop

import (
	"fmt"
	"strings"
)

// mimeValidity is the verdict on one MIME type.
type mimeValidity int

const (
	mimeValid mimeValidity = iota
	mimeDiscouraged
	mimeInvalid
)

var (
	// Media types used on free desktops although not registered with IANA.
	fdoMediaTypes = []string{"inode", "x-content", "x-scheme-handler", "chemical"}
	// Old free-desktop media types.
	oldFdoMediaTypes = []string{"x-directory"}
	// RFC 2045/2046, 2077, 8081 discrete and composite media types.
	discreteMediaTypes  = []string{"application", "audio", "font", "image", "model", "text", "video"}
	compositeMediaTypes = []string{"message", "multipart"}
	unusedMediaTypes    = []string{"example"}
	// Types that break the rules but are widely used.
	mimeExceptions = []string{"message/rfc822", "multipart/related", "misc/ultravox"}
)

// mimeAliases maps deprecated aliases to the type that replaces them.
var mimeAliases = map[string]string{
	"flv-application/octet-stream":   "video/x-flv",
	"zz-application/zz-winassoc-123": "application/vnd.lotus-1-2-3",
	"zz-application/zz-winassoc-cab": "application/vnd.ms-cab-compressed",
	"zz-application/zz-winassoc-cdr": "application/vnd.corel-draw",
	"zz-application/zz-winassoc-doc": "application/vnd.ms-word",
	"zz-application/zz-winassoc-hlp": "application/winhlp",
	"zz-application/zz-winassoc-ini": "text/plain",
	"zz-application/zz-winassoc-lwp": "application/vnd.lotus-wordpro",
	"zz-application/zz-winassoc-lzh": "application/x-lzh-compressed",
	"zz-application/zz-winassoc-mdb": "application/vnd.ms-access",
	"zz-application/zz-winassoc-uu":  "text/x-uuencode",
	"zz-application/zz-winassoc-xls": "application/vnd.ms-excel",
}

// mimeTokenChar reports whether c may appear in an RFC 2045 token.
func mimeTokenChar(c byte) bool {
	return c > 32 && c != 127 && !strings.ContainsRune("()<>@,;:\\\"/[]?=", rune(c))
}

func mediaTypeValidity(media string) (mimeValidity, string) {
	switch {
	case contains(fdoMediaTypes, media):
		return mimeValid, ""
	case contains(oldFdoMediaTypes, media):
		return mimeDiscouraged, fmt.Sprintf("\"%s\" is an old media type that should be replaced with a modern equivalent", media)
	case len(media) >= 2 && asciiEqualFold(media[:2], "x-"):
		for i := 2; i < len(media); i++ {
			if !mimeTokenChar(media[i]) {
				return mimeInvalid, fmt.Sprintf("\"%s\" a media type that contains an invalid character", media)
			}
		}
		return mimeDiscouraged, fmt.Sprintf("the use of \"%s\" as media type is strongly discouraged in favor of a subtype of the \"application\" media type", media)
	case contains(discreteMediaTypes, media):
		return mimeValid, ""
	case contains(compositeMediaTypes, media):
		return mimeDiscouraged, fmt.Sprintf("\"%s\" is a media type that probably does not make sense in this context", media)
	case contains(unusedMediaTypes, media):
		return mimeInvalid, fmt.Sprintf("\"%s\" is a media type that must not be used", media)
	}
	return mimeInvalid, fmt.Sprintf("\"%s\" is an unregistered media type", media)
}

// mimeTypeValidity classifies a MIME type as desktop-file-validate does.
func mimeTypeValidity(t string) (mimeValidity, string) {
	media, sub, ok := strings.Cut(t, "/")
	if !ok {
		return mimeInvalid, fmt.Sprintf("\"%s\" does not contain a subtype", t)
	}
	if sub == "" {
		return mimeInvalid, fmt.Sprintf("\"%s\" contains an empty subtype", t)
	}
	for i := 0; i < len(sub); i++ {
		if !mimeTokenChar(sub[i]) {
			return mimeInvalid, fmt.Sprintf("\"%s\" contains an invalid character in the subtype", t)
		}
	}
	validity, why := mediaTypeValidity(media)
	if validity != mimeValid && contains(mimeExceptions, t) {
		return mimeValid, ""
	}
	if validity == mimeInvalid {
		if repl, ok := mimeAliases[t]; ok {
			return mimeDiscouraged, fmt.Sprintf("\"%s\" should be replaced with \"%s\"", t, repl)
		}
	}
	return validity, why
}

func (v *validator) checkMimeTypes(lk, value string) bool {
	g := v.current
	ok := true
	seen := map[string]bool{}
	for _, t := range listItems(value) {
		if seen[t] {
			v.warningf("duplicate-item", "value \"%s\" for key \"%s\" in group \"%s\" contains \"%s\" more than once", value, lk, g, t)
			continue
		}
		seen[t] = true
		switch validity, why := mimeTypeValidity(t); validity {
		case mimeDiscouraged:
			v.warningf("mime-discouraged", "value \"%s\" for key \"%s\" in group \"%s\" contains value \"%s\" which is a MIME type that should probably not be used: %s", value, lk, g, t, why)
		case mimeInvalid:
			v.futuref("mime-invalid", "value \"%s\" for key \"%s\" in group \"%s\" contains value \"%s\" which is an invalid MIME type: %s", value, lk, g, t, why)
			ok = false
		}
	}
	return ok
}
