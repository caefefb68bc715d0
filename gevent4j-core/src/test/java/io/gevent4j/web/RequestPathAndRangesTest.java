package io.gevent4j.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The two parsers of {@link StaticFiles} on strings: request paths and {@code Range} headers. */
class RequestPathAndRangesTest {
    @Test
    void pathsDecodeSegmentBySegment() throws Exception {
        assertThat(RequestPath.parse("/a%20b/%C3%A9t%C3%A9.txt").names).containsExactly("a b", "été.txt");
        assertThat(RequestPath.parse("//a///b/").names).containsExactly("a", "b");
        assertThat(RequestPath.parse("/a/").trailingSlash).isTrue();
        assertThat(RequestPath.parse("/a").trailingSlash).isFalse();
        assertThat(RequestPath.parse("").names).isEmpty();
        assertThat(RequestPath.parse("/...").names).containsExactly("..."); // a name, not a dot segment
    }

    @Test
    void everyTrickIsRefusedWithItsReason() {
        String[][] cases = {
                {"/..", "dot segment"}, {"/a/./b", "dot segment"}, {"/%2e%2e/x", "dot segment"}, {"/.%2E", "dot segment"},
                {"/a%2fb", "encoded separator"}, {"/a%5Cb", "encoded separator"}, {"/a\\b", "encoded separator"},
                {"/%c0%ae%c0%ae", "not valid UTF-8"}, {"/%e0%80%ae", "not valid UTF-8"}, {"/%ed%a0%80", "not valid UTF-8"},
                {"/%ff", "not valid UTF-8"}, {"/a%00", "control character"}, {"/a%0a", "control character"},
                {"/%4", "malformed percent-escape"}, {"/%zz", "malformed percent-escape"}, {"/a%", "malformed percent-escape"},
                {"/C:", "colon"}, {"/a\u00e9", "unencoded byte"}};
        for (String[] c : cases) {
            assertThatThrownBy(() -> RequestPath.parse(c[0])).as(c[0])
                    .isInstanceOf(RequestPath.BadPath.class).hasMessageContaining(c[1]);
        }
    }

    @Test
    void ranges() {
        assertThat(ByteRanges.parse("bytes=0-9", 100)).isEqualTo(new ByteRanges.Satisfiable(
                List.of(new ByteRanges.Range(0, 9))));
        assertThat(ByteRanges.parse("bytes = 90-94, -5 ,10-10", 100)).isEqualTo(new ByteRanges.Satisfiable(List.of(
                new ByteRanges.Range(90, 94), new ByteRanges.Range(95, 99), new ByteRanges.Range(10, 10))));
        assertThat(ByteRanges.parse("bytes=-500", 100)).isEqualTo(new ByteRanges.Satisfiable(
                List.of(new ByteRanges.Range(0, 99))));
        assertThat(ByteRanges.parse("bytes=100-", 100)).isInstanceOf(ByteRanges.Unsatisfiable.class);
        assertThat(ByteRanges.parse("bytes=-0", 100)).isInstanceOf(ByteRanges.Unsatisfiable.class);
        assertThat(ByteRanges.parse("bytes=0-", 0)).isInstanceOf(ByteRanges.Unsatisfiable.class);
        for (String ignored : List.of("bytes=5-1", "bytes=a-b", "bytes=1", "items=0-1", "bytes=", "bytes=--1",
                "bytes=0-1,1-2", "bytes=99999999999999999999-")) {
            assertThat(ByteRanges.parse(ignored, 100)).as(ignored).isInstanceOf(ByteRanges.Whole.class);
        }
        StringBuilder many = new StringBuilder("bytes=");
        for (int i = 0; i <= ByteRanges.MAX_RANGES; i++) {
            many.append(i * 2).append('-').append(i * 2).append(',');
        }
        assertThat(ByteRanges.parse(many.toString(), 1000)).isInstanceOf(ByteRanges.Whole.class);
    }

    @Test
    void acceptEncoding() {
        assertThat(StaticFiles.accepts("gzip, deflate, br", "br")).isTrue();
        assertThat(StaticFiles.accepts("gzip;q=0.5, br;q=0", "br")).isFalse();
        assertThat(StaticFiles.accepts("*;q=0.1", "gzip")).isTrue();
        assertThat(StaticFiles.accepts("*, gzip;q=0", "gzip")).isFalse();
        assertThat(StaticFiles.accepts("x-gzip", "gzip")).isTrue();
        assertThat(StaticFiles.accepts("identity", "gzip")).isFalse();
    }
}
