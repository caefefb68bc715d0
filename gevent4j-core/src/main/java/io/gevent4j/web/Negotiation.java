package io.gevent4j.web;

import io.gevent4j.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Content negotiation (RFC 9110 §12): picks, among what the handler can produce, the one the
 * client prefers by its {@code Accept}, {@code Accept-Encoding} or {@code Accept-Language}
 * header and their q-values. For each offer, the most specific matching range gives its
 * quality ({@code text/html} over {@code text/*} over {@code *}/{@code *}); the offer of highest
 * quality wins, ties going to the earlier offer (the server's preference); quality 0 means "not
 * acceptable". Without the header, the first offer wins. A malformed header (a media range
 * without {@code /}, a q-value that is not 0 to 1 with at most three decimals) is a 400
 * {@link HttpException}.
 *
 * <p>Who may call it: the request's greenlet; it never blocks.
 *
 * {@snippet :
 * String type = Negotiation.requireMediaType(request, "application/json", "text/html"); // or 406
 * if (type.equals("text/html")) {
 *     response.header("Content-Type", "text/html; charset=utf-8").send(page);
 * } else {
 *     json.send(response, 200, model);
 * }
 * }
 */
public final class Negotiation {
    private Negotiation() {}

    /** One element of an Accept-style header. */
    private record Range(String value, double q) {}

    /**
     * The offered media type the client prefers.
     *
     * @param request the request
     * @param offers media types the handler can send, e.g. {@code application/json}, in the
     *     server's order of preference
     * @return the chosen offer, or empty if none is acceptable
     * @throws HttpException 400 if {@code Accept} is malformed
     */
    public static Optional<String> mediaType(HttpRequest request, String... offers) {
        return choose(request.headers().all("Accept"), offers, Kind.MEDIA);
    }

    /**
     * The offered media type the client prefers, or a 406.
     *
     * @param request the request
     * @param offers media types the handler can send
     * @return the chosen offer
     * @throws HttpException 406 naming the offers if none is acceptable, 400 if {@code Accept} is
     *     malformed
     */
    public static String requireMediaType(HttpRequest request, String... offers) {
        return mediaType(request, offers).orElseThrow(() -> new HttpException(406, "none of "
                + String.join(", ", offers) + " is acceptable (Accept: " + String.join(", ",
                request.headers().all("Accept")) + ")"));
    }

    /**
     * Whether the client accepts {@code mediaType} at all (quality above 0).
     *
     * @param request the request
     * @param mediaType a media type, e.g. {@code text/event-stream}
     * @return whether it is acceptable
     * @throws HttpException 400 if {@code Accept} is malformed
     */
    public static boolean accepts(HttpRequest request, String mediaType) {
        return mediaType(request, mediaType).isPresent();
    }

    /**
     * The offered content coding the client prefers by {@code Accept-Encoding}. {@code identity}
     * is acceptable unless excluded ({@code identity;q=0}, or {@code *;q=0} without an
     * {@code identity} entry).
     *
     * @param request the request
     * @param offers codings, e.g. {@code br}, {@code gzip}, {@code identity}
     * @return the chosen offer, or empty if none is acceptable
     * @throws HttpException 400 if the header is malformed
     */
    public static Optional<String> encoding(HttpRequest request, String... offers) {
        return choose(request.headers().all("Accept-Encoding"), offers, Kind.ENCODING);
    }

    /**
     * The offered language the client prefers by {@code Accept-Language} (basic filtering,
     * RFC 4647 §3.3.1: range {@code en} matches {@code en-GB}).
     *
     * @param request the request
     * @param offers language tags, e.g. {@code en}, {@code fr-CA}
     * @return the chosen offer, or empty if none is acceptable
     * @throws HttpException 400 if the header is malformed
     */
    public static Optional<String> language(HttpRequest request, String... offers) {
        return choose(request.headers().all("Accept-Language"), offers, Kind.LANGUAGE);
    }

    private enum Kind { MEDIA, ENCODING, LANGUAGE }

    private static Optional<String> choose(List<String> headers, String[] offers, Kind kind) {
        if (offers.length == 0) {
            throw new IllegalArgumentException("no offers");
        }
        if (headers.isEmpty()) {
            return Optional.of(offers[0]);
        }
        List<Range> ranges = new ArrayList<>();
        for (String h : headers) {
            parse(h, kind, ranges);
        }
        if (ranges.isEmpty()) {
            // "Accept-Encoding:" (empty) means identity only; an empty Accept means anything
            return kind == Kind.ENCODING ? firstMatching(offers, "identity") : Optional.of(offers[0]);
        }
        String best = null;
        double bestQ = 0;
        for (String offer : offers) {
            double q = quality(offer.toLowerCase(Locale.ROOT), ranges, kind);
            if (q > bestQ) {
                best = offer;
                bestQ = q;
            }
        }
        return Optional.ofNullable(best);
    }

    private static Optional<String> firstMatching(String[] offers, String value) {
        for (String o : offers) {
            if (o.equalsIgnoreCase(value)) {
                return Optional.of(o);
            }
        }
        return Optional.empty();
    }

    private static double quality(String offer, List<Range> ranges, Kind kind) {
        int bestSpec = -1;
        double q = 0;
        for (Range r : ranges) {
            int spec = matches(r, offer, kind);
            if (spec > bestSpec) {
                bestSpec = spec;
                q = r.q;
            }
        }
        if (bestSpec < 0) {
            return kind == Kind.ENCODING && offer.equals("identity") ? 0.001 : 0; // identity is the last resort
        }
        return q;
    }

    /** How specifically {@code r} matches {@code offer} (higher: more), or -1 if it does not. */
    private static int matches(Range r, String offer, Kind kind) {
        String v = r.value;
        switch (kind) {
            case MEDIA -> {
                String essence = MediaType.essence(offer);
                if (v.equals("*/*")) {
                    return 0;
                }
                if (v.endsWith("/*")) {
                    return essence.startsWith(v.substring(0, v.length() - 1)) ? 1 : -1;
                }
                return essence.equals(v) ? 2 : -1;
            }
            case ENCODING -> {
                return v.equals("*") ? 0 : v.equals(offer) ? 1 : -1;
            }
            default -> {
                if (v.equals("*")) {
                    return 0;
                }
                return offer.equals(v) || offer.startsWith(v + "-") ? v.length() : -1;
            }
        }
    }

    private static void parse(String header, Kind kind, List<Range> out) {
        for (String element : header.split(",")) {
            String e = element.strip();
            if (e.isEmpty()) {
                continue;
            }
            String[] parts = e.split(";");
            String value = parts[0].strip().toLowerCase(Locale.ROOT);
            if (kind == Kind.MEDIA) {
                int slash = value.indexOf('/');
                if (slash <= 0 || slash == value.length() - 1 || value.indexOf('/', slash + 1) >= 0
                        || SetCookie.firstNonToken(value.replace("/", "")) >= 0
                        || (value.startsWith("*/") && !value.equals("*/*"))) {
                    throw new HttpException(400, "malformed media range '" + parts[0].strip() + "' in Accept");
                }
            } else if (value.isEmpty() || SetCookie.firstNonToken(value) >= 0) {
                throw new HttpException(400, "malformed element '" + parts[0].strip() + "' in "
                        + (kind == Kind.ENCODING ? "Accept-Encoding" : "Accept-Language"));
            }
            double q = 1;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].strip();
                int eq = p.indexOf('=');
                if (eq > 0 && p.substring(0, eq).strip().equalsIgnoreCase("q")) {
                    q = qvalue(p.substring(eq + 1).strip(), e);
                }
            }
            out.add(new Range(value, q));
        }
    }

    /** RFC 9110 §12.4.2: {@code 0[.ddd]} or {@code 1[.000]}. */
    private static final java.util.regex.Pattern QVALUE = java.util.regex.Pattern.compile("0(\\.[0-9]{0,3})?|1(\\.0{0,3})?");

    private static double qvalue(String s, String element) {
        boolean ok = QVALUE.matcher(s).matches();
        if (!ok) {
            throw new HttpException(400, "malformed q-value '" + s + "' in '" + element
                    + "' (expected 0 to 1 with at most three decimals)");
        }
        return Double.parseDouble(s.endsWith(".") ? s + "0" : s);
    }
}
