package io.gevent4j.dns;

import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * What one DNS query asks: an absolute name and a record type. The key of the answer cache and
 * of the queries in flight.
 */
record Question(Name name, int type) {
    /** The name as people write it, without the final dot, for error messages. */
    String display() {
        return name.toString(true);
    }

    @Override
    public String toString() {
        return name + " " + Type.string(type);
    }
}
