<?xml version="1.0" encoding="UTF-8"?>
<!-- Renders a Define-XML 2.1 document as HTML tables: the datasets, then each dataset's
     variables (name, label, type, length, codelist, origin, method) followed by its
     value-level metadata (each result variable per parameter or test code, with its where
     clause). Written by metsor beside define.xml. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:odm="http://www.cdisc.org/ns/odm/v1.3"
    xmlns:def="http://www.cdisc.org/ns/def/v2.1"
    xmlns:xlink="http://www.w3.org/1999/xlink"
    exclude-result-prefixes="odm def xlink">
  <xsl:output method="html" encoding="UTF-8" indent="yes"/>
  <xsl:key name="item" match="odm:ItemDef" use="@OID"/>
  <xsl:key name="codelist" match="odm:CodeList" use="@OID"/>
  <xsl:key name="method" match="odm:MethodDef" use="@OID"/>
  <xsl:key name="valuelist" match="def:ValueListDef" use="@OID"/>
  <xsl:key name="where" match="def:WhereClauseDef" use="@OID"/>

  <xsl:template match="/">
    <xsl:variable name="mdv" select="/odm:ODM/odm:Study/odm:MetaDataVersion"/>
    <html lang="en">
      <head>
        <meta charset="UTF-8"/>
        <title><xsl:value-of select="$mdv/@Name"/></title>
        <style>
          body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
          h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
          h3 { font-size: 1em; margin-top: 1em; }
          table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
          th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left;
                   vertical-align: top; }
          th { background: #e8eef4; }
          tr:nth-child(even) td { background: #f7f9fb; }
          code { font-family: ui-monospace, monospace; }
          .meta { color: #555; }
        </style>
      </head>
      <body>
        <h1><xsl:value-of select="$mdv/@Name"/></h1>
        <p class="meta">
          Study <xsl:value-of select="/odm:ODM/odm:Study/odm:GlobalVariables/odm:StudyName"/>:
          <xsl:value-of select="/odm:ODM/odm:Study/odm:GlobalVariables/odm:StudyDescription"/>.
          Define-XML <xsl:value-of select="$mdv/@def:DefineVersion"/>, created
          <xsl:value-of select="/odm:ODM/@CreationDateTime"/>.
        </p>
        <h2>Datasets</h2>
        <table>
          <tr><th>Dataset</th><th>Description</th><th>Class</th><th>Structure</th>
              <th>Purpose</th><th>Keys</th><th>Location</th></tr>
          <xsl:for-each select="$mdv/odm:ItemGroupDef">
            <tr>
              <td><a href="#{@OID}"><xsl:value-of select="@Name"/></a></td>
              <td><xsl:value-of select="odm:Description/odm:TranslatedText"/></td>
              <td><xsl:value-of select="def:Class/@Name"/></td>
              <td><xsl:value-of select="@def:Structure"/></td>
              <td><xsl:value-of select="@Purpose"/></td>
              <td>
                <xsl:for-each select="odm:ItemRef[@KeySequence]">
                  <xsl:sort select="@KeySequence" data-type="number"/>
                  <xsl:value-of select="key('item', @ItemOID)/@Name"/>
                  <xsl:if test="position() != last()">, </xsl:if>
                </xsl:for-each>
              </td>
              <td><a href="{def:leaf/@xlink:href}"><xsl:value-of select="def:leaf/def:title"/></a></td>
            </tr>
          </xsl:for-each>
        </table>
        <xsl:for-each select="$mdv/odm:ItemGroupDef">
          <h2 id="{@OID}"><xsl:value-of select="@Name"/> —
            <xsl:value-of select="odm:Description/odm:TranslatedText"/></h2>
          <table>
            <tr><th>#</th><th>Variable</th><th>Label</th><th>Type</th><th>Length</th>
                <th>Format</th><th>Mandatory</th><th>Codelist</th><th>Origin</th><th>Method</th></tr>
            <xsl:for-each select="odm:ItemRef">
              <xsl:sort select="@OrderNumber" data-type="number"/>
              <xsl:variable name="item" select="key('item', @ItemOID)"/>
              <tr>
                <td><xsl:value-of select="@OrderNumber"/></td>
                <td><code><xsl:value-of select="$item/@Name"/></code></td>
                <td><xsl:value-of select="$item/odm:Description/odm:TranslatedText"/></td>
                <td><xsl:value-of select="$item/@DataType"/></td>
                <td><xsl:value-of select="$item/@Length"/></td>
                <td><xsl:value-of select="$item/@def:DisplayFormat"/></td>
                <td><xsl:value-of select="@Mandatory"/></td>
                <td>
                  <xsl:for-each select="key('codelist', $item/odm:CodeListRef/@CodeListOID)/odm:EnumeratedItem">
                    <code><xsl:value-of select="@CodedValue"/></code>
                    <xsl:if test="position() != last()">, </xsl:if>
                  </xsl:for-each>
                </td>
                <td><xsl:value-of select="$item/def:Origin/@Type"/></td>
                <td><xsl:value-of select="key('method', @MethodOID)/odm:Description/odm:TranslatedText"/></td>
              </tr>
            </xsl:for-each>
          </table>
          <xsl:variable name="listed" select="key('item', odm:ItemRef/@ItemOID)[def:ValueListRef]"/>
          <xsl:if test="$listed">
            <h3>Value-level metadata of <xsl:value-of select="@Name"/></h3>
            <table class="values">
              <tr><th>Variable</th><th>Where</th><th>Description</th><th>Type</th>
                  <th>Length</th><th>Origin</th></tr>
              <xsl:for-each select="$listed">
                <xsl:variable name="variable" select="@Name"/>
                <xsl:for-each select="key('valuelist', def:ValueListRef/@ValueListOID)/odm:ItemRef">
                  <xsl:sort select="@OrderNumber" data-type="number"/>
                  <xsl:variable name="value" select="key('item', @ItemOID)"/>
                  <tr>
                    <td><code><xsl:value-of select="$variable"/></code></td>
                    <td>
                      <xsl:for-each select="key('where', def:WhereClauseRef/@WhereClauseOID)/odm:RangeCheck">
                        <code><xsl:value-of select="key('item', @def:ItemOID)/@Name"/></code>
                        <xsl:text> </xsl:text><xsl:value-of select="@Comparator"/><xsl:text> </xsl:text>
                        <code><xsl:value-of select="odm:CheckValue"/></code>
                      </xsl:for-each>
                    </td>
                    <td><xsl:value-of select="$value/odm:Description/odm:TranslatedText"/></td>
                    <td><xsl:value-of select="$value/@DataType"/></td>
                    <td><xsl:value-of select="$value/@Length"/></td>
                    <td><xsl:value-of select="$value/def:Origin/@Type"/></td>
                  </tr>
                </xsl:for-each>
              </xsl:for-each>
            </table>
          </xsl:if>
        </xsl:for-each>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
