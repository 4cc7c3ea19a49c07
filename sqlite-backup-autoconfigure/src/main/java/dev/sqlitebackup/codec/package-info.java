/**
 * How a verified backup is turned into its stored form and back: compression codecs and
 * authenticated encryption, as streams, so that no backup is ever held in memory.
 */
@NullMarked
package dev.sqlitebackup.codec;

import org.jspecify.annotations.NullMarked;
